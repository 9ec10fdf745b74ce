/**
 * The target, end to end: video/car-detection.mp4 (4 cars, empty road most of the time) through the camera
 * source at its own pace, motion gating and tracking in front of and after the real COCO SSD detector. Inference
 * must run on at most half of the frames while each of the 4 cars becomes a track; the figures are logged.
 *
 * The video is read in real time (`realtime: true`, 30 s): the tracker's ages and the motion keep-alive are in
 * capture time, which a file read as fast as possible would compress.
 */
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-car-video-'));
const VIDEO_FRAMES = 377;

describe.skipIf(!hasSharedModels || !runFfmpegTests)('car-detection.mp4: motion gating and tracking through the COCO detector', () => {
  it('infers at most half of the frames and tracks each of the 4 cars', async () => {
    const yaml = `
version: 1
pipelines:
  - name: road
    source: { kind: camera, input: ${sharedModel('video/car-detection.mp4')}, realtime: true, output: i420 }
    model: { file: ${sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-ssd, threshold: 0.2, max_detections: 10 }
    buffer: { policy: queue, size: 16 }
    # min_area 0.003: the road markings' shimmer in the compressed video stays below it (docs/benchmarks.md, motion).
    motion: { min_area: 0.003 }
    # Seen from above, the detector calls a car "cell phone", "suitcase" or "car": class-agnostic matching.
    track: { match: any, min_hits: 2, high_threshold: 0.3, new_track_threshold: 0.4 }
`;
    const { pipeline, predictions, events } = await runYaml(path.join(dir, 'road.yaml'), yaml);
    const report = pipeline.report();
    const skipped = report.skipped?.['no_motion'] ?? 0;
    const starts = events.flatMap((e) => (e.type === 'track_start' ? [e] : []));
    const ends = events.flatMap((e) => (e.type === 'track_end' ? [e] : []));
    const describeEnd = (e: (typeof ends)[number]) => {
      return `#${e.trackId} ${e.label} ${((e.firstSeenMs - t0) / 1000).toFixed(1)}-${((e.lastSeenMs - t0) / 1000).toFixed(1)} s`;
    };
    const t0 = predictions[0]?.capturedWallMs ?? 0;
    console.log(
      `car-detection.mp4: frames in ${report.framesIn}, inferred ${predictions.length} (${((100 * predictions.length) / report.framesIn).toFixed(1)}%), ` +
        `skipped no_motion ${skipped}, motion ${JSON.stringify(report.stages?.['motion'])}, drops ${JSON.stringify(report.drops)}; tracks: ${ends.map(describeEnd).join(', ')}`,
    );
    expect(report.framesIn).toBeGreaterThanOrEqual(VIDEO_FRAMES - 2);
    expect(predictions.length).toBeLessThanOrEqual(report.framesIn / 2);
    expect(ends.map((e) => e.trackId).sort()).toEqual(starts.map((e) => e.trackId).sort());
    // Each car is tracked: a track spans each car's time in view (README: about 0:05-0:08, two cars 0:15-0:18,
    // 0:25-0:27; 1 s of slack, the README's times are "about"), two at once in the middle window.
    const spans = ends.map((e) => [(e.firstSeenMs - t0) / 1000, (e.lastSeenMs - t0) / 1000] as const);
    const covering = (from: number, to: number) => spans.filter(([a, b]) => a <= from + 1 && b >= to - 1).length;
    expect(covering(5, 8)).toBeGreaterThanOrEqual(1);
    expect(covering(15, 18)).toBeGreaterThanOrEqual(2);
    expect(covering(25, 27)).toBeGreaterThanOrEqual(1);
  }, 180_000);
});

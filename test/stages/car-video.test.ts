/**
 * The target, end to end: video/car-detection.mp4 (4 cars, empty road most of the time) through the camera
 * source at its own pace, motion gating and tracking in front of and after the real COCO SSD detector. Inference
 * must run on at most half of the frames while each of the 4 cars becomes exactly one track; the figures are logged.
 *
 * Seen from above, the detector calls a car "cell phone", "suitcase", "car", or near the frame's edges "boat",
 * "bottle", "cup", often two or three of them at once for one car (its NMS is per class): `merge_classes` makes
 * them one object (src/tracking/merge.ts). `merge_measure: smaller` because the second box often lies inside the
 * first (IoU ~0.45, too low to merge at the usual 0.5). `max_area` drops the whole-frame boxes ("bird", "sink") the
 * detector reports on the empty road.
 *
 * The video is read in real time (`realtime: true`, 30 s): the tracker's ages and the motion keep-alive are in
 * capture time, which a file read as fast as possible would compress.
 *
 * The same again with `motion.detect_on: regions` (crops around the motion at the model's input size): it must give
 * the same result, 4 tracks on at most half of the frames (crops are several inferences, on frames the whole-frame
 * path infers anyway); the figures of both are logged (docs/benchmarks.md, detection on regions).
 */
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { takeTurnsWithRealtimeVideoTests } from '../helpers/realtime-slot.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-car-video-'));
const VIDEO_FRAMES = 377;

describe.skipIf(!hasSharedModels || !runFfmpegTests)('car-detection.mp4: motion gating and tracking through the COCO detector', () => {
  takeTurnsWithRealtimeVideoTests();

  async function fourCars(detectOn: 'frame' | 'regions') {
    const yaml = `
version: 1
pipelines:
  - name: road
    source: { kind: camera, input: ${sharedModel('video/car-detection.mp4')}, realtime: true, output: i420 }
    model: { file: ${sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-ssd, threshold: 0.2, max_detections: 10 }
    # Deep: on a loaded host the detector can take ~1 s a frame for a while; frames are timed at capture, so
    # waiting delays the results without changing them, where a queue of 16 dropped whole cars.
    buffer: { policy: queue, size: 64 }
    # min_area 0.003: the road markings' shimmer in the compressed video stays below it (docs/benchmarks.md, motion).
    motion: { min_area: 0.003, detect_on: ${detectOn} }
    track:
      classes: [car, truck, bus, cell phone, suitcase, boat, bottle, cup, parking meter]
      merge_classes: [[car, truck, bus, cell phone, suitcase, boat, bottle, cup, parking meter]]
      merge_measure: smaller
      merge_overlap: 0.6
      filters: [{ max_area: 100000 }]
      min_hits: 2
      high_threshold: 0.3
      new_track_threshold: 0.4
`;
    const { pipeline, predictions, events } = await runYaml(path.join(dir, `road-${detectOn}.yaml`), yaml);
    const report = pipeline.report();
    const skipped = report.skipped?.['no_motion'] ?? 0;
    const starts = events.flatMap((e) => (e.type === 'track_start' ? [e] : []));
    const ends = events.flatMap((e) => (e.type === 'track_end' ? [e] : []));
    const describeEnd = (e: (typeof ends)[number]) => {
      return `#${e.trackId} ${e.label} ${((e.firstSeenMs - t0) / 1000).toFixed(1)}-${((e.lastSeenMs - t0) / 1000).toFixed(1)} s`;
    };
    const t0 = predictions[0]?.capturedWallMs ?? 0;
    console.log(
      `car-detection.mp4 (detect_on ${detectOn}): frames in ${report.framesIn}, inferred ${predictions.length} (${((100 * predictions.length) / report.framesIn).toFixed(1)}%), ` +
        `skipped no_motion ${skipped}, motion ${JSON.stringify(report.stages?.['motion'])}, drops ${JSON.stringify(report.drops)}; tracks: ${ends.map(describeEnd).join(', ')}`,
    );
    expect(report.framesIn).toBeGreaterThanOrEqual(VIDEO_FRAMES - 2);
    expect(predictions.length).toBeLessThanOrEqual(report.framesIn / 2);
    expect(ends.map((e) => e.trackId).sort()).toEqual(starts.map((e) => e.trackId).sort());
    // One track per car, each spanning the car's time in view (README: about 0:05-0:08, two cars 0:15-0:18,
    // 0:25-0:27; 1 s of slack, the README's times are "about"), the two of the middle window at once.
    expect(ends).toHaveLength(4);
    const spans = ends.map((e) => [(e.firstSeenMs - t0) / 1000, (e.lastSeenMs - t0) / 1000] as const).sort((a, b) => a[0] - b[0]);
    const covers = ([a, b]: readonly [number, number], from: number, to: number) => a <= from + 1 && b >= to - 1 && a >= from - 2 && b <= to + 2;
    expect(covers(spans[0]!, 5, 8), ends.map(describeEnd).join(', ')).toBe(true);
    expect(covers(spans[1]!, 15, 18) && covers(spans[2]!, 15, 18), ends.map(describeEnd).join(', ')).toBe(true);
    expect(covers(spans[3]!, 25, 27), ends.map(describeEnd).join(', ')).toBe(true);
    expect(report.stages?.['tracking']?.['merged']).toBeGreaterThan(0);
    return report;
  }

  it('infers at most half of the frames and tracks each of the 4 cars as one track', async () => {
    await fourCars('frame');
  }, 180_000);

  it('does the same with detection on regions, inferring crops on some frames', async () => {
    const report = await fourCars('regions');
    expect(report.stages?.['motion']?.['regionFrames']).toBeGreaterThan(0);
  }, 180_000);
});

/**
 * video/people-walk.mp4 (3 people, one at a time, walk in, stand, walk out) through the camera source in real time
 * at 5 frames/s, motion gating, the COCO SSD and tracking of persons: exactly 3 person tracks, each started and
 * ended once, with the same id on every prediction between; people standing still are kept by the keep-alive.
 */
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { takeTurnsWithRealtimeVideoTests } from '../helpers/realtime-slot.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-people-walk-'));

describe.skipIf(!hasSharedModels || !runFfmpegTests)('people-walk.mp4: motion gating and tracking through the COCO detector', () => {
  takeTurnsWithRealtimeVideoTests();

  it('gives exactly 3 person tracks with stable ids, and their start and end events', async () => {
    const yaml = `
version: 1
pipelines:
  - name: hall
    source: { kind: camera, input: ${sharedModel('video/people-walk.mp4')}, realtime: true, fps: 5, output: i420 }
    model: { file: ${sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-ssd, threshold: 0.1, max_detections: 10 }
    buffer: { policy: queue, size: 16 }
    motion: {}
    track: { classes: [person] }
`;
    const { pipeline, predictions, events } = await runYaml(path.join(dir, 'hall.yaml'), yaml);
    const report = pipeline.report();
    const t0 = predictions[0]?.capturedWallMs ?? 0;
    const starts = events.flatMap((e) => (e.type === 'track_start' ? [e] : []));
    const ends = events.flatMap((e) => (e.type === 'track_end' ? [e] : []));
    const spans = ends.map((e) => ({ track_id: e.trackId, first_seen_ms: e.firstSeenMs, last_seen_ms: e.lastSeenMs }));
    console.log(
      `people-walk.mp4: frames in ${report.framesIn}, inferred ${predictions.length} (${((100 * predictions.length) / report.framesIn).toFixed(1)}%), ` +
        `skipped ${JSON.stringify(report.skipped)}, drops ${JSON.stringify(report.drops)}; tracks: ` +
        spans.map((t) => `#${t.track_id} ${((t.first_seen_ms - t0) / 1000).toFixed(1)}-${((t.last_seen_ms - t0) / 1000).toFixed(1)} s`).join(', '),
    );
    expect(starts.map((e) => e.label)).toEqual(['person', 'person', 'person']);
    expect(ends.map((e) => e.trackId)).toEqual(starts.map((e) => e.trackId));
    // Stable ids: each id is on the predictions of one stretch of frames, and only there.
    const ids = starts.map((e) => e.trackId);
    for (const id of ids) {
      const frames = predictions.filter((p) => p.analytics?.tracks?.some((t) => t.track_id === id)).map((p) => predictions.indexOf(p));
      expect(frames.length, `track ${id}`).toBeGreaterThan(0);
      expect(frames.at(-1)! - frames[0]! + 1, `track ${id} is on every prediction of its stretch`).toBe(frames.length);
    }
  }, 240_000);
});

/**
 * pipelines/parking-occupancy.yaml, as shipped, through the COCO detector in real time:
 * - on video/car-detection.mp4 (4 cars drive under a top-down camera; README of ../shared/models: about 0:05-0:08,
 *   two 0:15-0:18, 0:25-0:27): 4 tracks, and no car occupies the bay or becomes stationary (they drive past);
 * - on the same video with the first car parked: ffmpeg holds the frame at 6.3 s (the car in the middle of the
 *   bay) for 20 s, a scene with known ground truth. That car occupies the bay (one zone_enter, the bay's count 1
 *   while it stands), becomes stationary, and leaves the bay when it drives off (no `removed`: it is seen moving
 *   before it is gone, `removed` is for what vanishes while still); the other cars still do not count.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeTurnsWithRealtimeVideoTests } from '../helpers/realtime-slot.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { describeEvents, runExample } from './example-runner.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-parking-'));
const HOLD_FRAME = 79; // 6.32 s at 12.5 fps
const HOLD_FRAMES = 250; // 20 s

describe.skipIf(!hasSharedModels || !runFfmpegTests)('parking-occupancy.yaml on car-detection.mp4', () => {
  takeTurnsWithRealtimeVideoTests();

  it('tracks the 4 passing cars as one track each, none parks in the bay', async () => {
    const { pipeline, predictions, events, counts } = await runExample('parking-occupancy.yaml');
    const report = pipeline.report();
    const text = describeEvents(events, predictions[0]?.capturedWallMs ?? 0);
    console.log(`parking, as shipped: frames in ${report.framesIn}, inferred ${predictions.length}, drops ${JSON.stringify(report.drops)}; ${text}`);
    expect(events.filter((e) => e.type === 'track_start'), text).toHaveLength(4);
    expect(events.filter((e) => e.type !== 'track_start' && e.type !== 'track_end'), text).toEqual([]);
    expect(counts?.zones['bay-1'] ?? {}, text).toEqual({});
  }, 300_000);

  it('a car parked for 20 s occupies the bay, becomes stationary, and leaves the bay when it drives off', async () => {
    const parked = path.join(dir, 'parked.mp4');
    const ffmpeg = spawnSync('ffmpeg', [
      '-v', 'error', '-y', '-i', sharedModel('video/car-detection.mp4'),
      '-vf', `loop=loop=${HOLD_FRAMES}:size=1:start=${HOLD_FRAME},setpts=N/(12.5*TB)`, '-r', '12.5',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-an', parked,
    ]);
    expect(ffmpeg.status, ffmpeg.stderr.toString()).toBe(0);
    const { pipeline, predictions, events, counts } = await runExample('parking-occupancy.yaml', { input: parked });
    const report = pipeline.report();
    const t0 = predictions[0]?.capturedWallMs ?? 0;
    const text = describeEvents(events, t0);
    console.log(`parking, first car parked 20 s: frames in ${report.framesIn}, inferred ${predictions.length} (${((100 * predictions.length) / report.framesIn).toFixed(1)}%), skipped ${JSON.stringify(report.skipped)}, drops ${JSON.stringify(report.drops)}; ${text}; counts ${JSON.stringify(counts)}`);
    const starts = events.filter((e) => e.type === 'track_start');
    expect(starts, text).toHaveLength(4);
    const first = starts[0]!.trackId;
    const others = events.filter((e) => e.trackId !== first && e.type !== 'track_start' && e.type !== 'track_end');
    expect(others, text).toEqual([]);
    const own = events.filter((e) => e.trackId === first);
    expect(own.flatMap((e) => ('zone' in e ? [`${e.type} ${e.zone}`] : [])), text).toEqual(['zone_enter bay-1', 'zone_leave bay-1']);
    expect(own.map((e) => e.type).filter((t) => !t.startsWith('zone_')), text).toEqual(['track_start', 'stationary', 'track_end']);
    // Parked from about 6.3 s to 26.3 s: stationary after its 10 s window, in the bay after 5 s inside.
    const at = (type: string) => (events.find((e) => e.trackId === first && e.type === type)!.atMs - t0) / 1000;
    expect(at('stationary'), text).toBeGreaterThan(14);
    expect(at('stationary'), text).toBeLessThan(20);
    expect(at('zone_leave'), text).toBeGreaterThan(25);
    // Counted as a car (the merge group's name), though COCO calls it "cell phone" most often from above.
    expect(counts?.zones['bay-1'], text).toEqual({ car: { count: 0, entries: 1 } });
    expect(own.every((e) => e.label === 'car'), text).toBe(true);
    // Nothing moves while it stands: the detector ran on keep-alives only (every 2 s), far under half the frames.
    expect(predictions.length, text).toBeLessThan(report.framesIn / 2);
  }, 300_000);
});

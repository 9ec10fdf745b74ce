/**
 * Motion gating and tracking wired into a pipeline (src/stages/index.ts), without shared files: ffmpeg renders a
 * still scene and a moving one to video files, read by the camera source as a camera's raw frames; the detector
 * is the YOLO-layout stand-in (real TFLite, one fixed person box whatever the image).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-stages-lavfi-'));
const FRAMES = 30;

function render(name: string, graph: string): string {
  const file = path.join(dir, name);
  const ffmpeg = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', graph, '-frames:v', String(FRAMES), '-pix_fmt', 'yuv420p', file]);
  if (ffmpeg.status !== 0) throw new Error(`ffmpeg failed: ${ffmpeg.stderr.toString()}`);
  return file;
}

function yaml(input: string, model: string, keepalive: number): string {
  return `
version: 1
pipelines:
  - name: gated
    source: { kind: camera, input: ${input}, realtime: false, output: i420 }
    model: { file: ${model} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    motion: { keepalive_s: ${keepalive} }
    track: { min_hits: 3 }
`;
}

describe.skipIf(!runFfmpegTests)('motion gate and tracking stages in a pipeline (lavfi scenes)', () => {
  const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [{ cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 0, score: 0.9 }]);

  it('a still scene: the first frame seeds the background and is inferred, every other frame is skipped as no_motion', async () => {
    const still = render('still.mp4', 'color=c=0x606060:size=160x120:rate=10');
    const { pipeline, predictions } = await runYaml(path.join(dir, 'still.yaml'), yaml(still, model, 0));
    expect(predictions.map((p) => p.frameId)).toEqual([predictions[0]!.frameId]);
    const report = pipeline.report();
    expect(report.skipped).toEqual({ no_motion: FRAMES - 1 });
    expect(report.framesIn).toBe(FRAMES);
    expect(report.drops).toEqual({});
    expect(report.stages?.['motion']).toMatchObject({ frames: FRAMES, framesWithMotion: 0, skipped: FRAMES - 1, keepalive: 0, unjudged: 0, areaSum: 0 });
  });

  it('a moving scene: every frame has motion and is inferred; the fixed box becomes track 1 on every prediction, with start and end events', async () => {
    const moving = render('moving.mp4', 'testsrc2=size=160x120:rate=10');
    const { pipeline, predictions, events } = await runYaml(path.join(dir, 'moving.yaml'), yaml(moving, model, 0));
    const report = pipeline.report();
    expect(report.skipped?.['no_motion'] ?? 0).toBe(0);
    expect(predictions).toHaveLength(FRAMES);
    // The first frame seeds the background; each later one has motion.
    expect(report.stages?.['motion']).toMatchObject({ frames: FRAMES, framesWithMotion: FRAMES - 1, skipped: 0 });
    expect(report.stages?.['motion']?.['areaSum']).toBeGreaterThan(0);
    expect(report.stages?.['tracking']).toMatchObject({ started: 1, ended: 1 });
    // min_hits 3: confirmed on the third prediction, the same id ever after.
    expect(predictions.map((p) => p.analytics?.tracks?.map((t) => t.track_id))).toEqual([[], [], ...Array(FRAMES - 2).fill([1])]);
    const track = predictions.at(-1)!.analytics!.tracks![0]!;
    expect(track).toMatchObject({ track_id: 1, index: 0, matched: true, stationary: false });
    expect(track.box.width).toBeCloseTo(40, 0);
    expect(events.map((e) => [e.type, e.trackId])).toEqual([
      ['track_start', 1],
      ['track_end', 1],
    ]);
    expect(events[0]!.frameId).toBe(predictions[2]!.frameId);
    // Ended at stop: on the last prediction's frame, last seen there.
    expect(events[1]!.frameId).toBe(predictions.at(-1)!.frameId);
  });
});

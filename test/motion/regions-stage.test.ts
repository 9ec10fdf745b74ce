/** The motion stage with `detect_on: regions`: which frames become crops, which go whole, and what is counted. */
import { describe, expect, it } from 'vitest';
import type { Frame, Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { motionDefaults } from '../../src/config/schema-motion.js';
import type { MotionConfig } from '../../src/config/types.js';
import { createMotionStage } from '../../src/motion/index.js';
import type { StageContext } from '../../src/stages/types.js';

const W = 640;
const H = 480;
const config: MotionConfig = { ...motionDefaults, masks: [], detectOn: 'regions', keepaliveS: 1 };
/** Grey, with a white 40x40 square at each of `squares` (top-left corners). */
function raw(id: number, squares: ReadonlyArray<[number, number]>): Frame {
  const data = new Uint8Array(W * H * 3).fill(60);
  for (const [sx, sy] of squares) for (let y = sy; y < sy + 40; y += 1) data.fill(250, (y * W + sx) * 3, (y * W + sx + 40) * 3);
  return { id, source: 's', capturedMonoMs: id * 100, capturedWallMs: 1e12 + id * 100, payload: { kind: 'raw', format: 'rgb24', width: W, height: H, data }, meta: {} };
}
const context = (modelInput?: { width: number; height: number }): StageContext => ({
  pipeline: 'p',
  logger: memoryLogger(),
  emit: () => undefined,
  counts: () => undefined,
  ...(modelInput ? { modelInput } : {}),
});
const tracked = { analytics: { tracks: [{}] }, result: { kind: 'detect', objects: [] } } as unknown as Prediction;

describe('motion stage, detect_on: regions', () => {
  it('gives a frame with motion its crops, and infers whole the first frame, keep-alive frames and encoded frames', () => {
    const stage = createMotionStage(config);
    stage.start!(context({ width: 96, height: 96 }));
    expect(stage.gate!(raw(0, []), { latest: undefined })).toEqual({ infer: true });
    // The square at (300, 200) with the 16-pixel margin: 284..356 x 184..256 (the grey copy is 1:4 here, its cells are
    // 4 pixels: the square's edges fall on them), centred 96x96 crop at (272, 172).
    expect(stage.gate!(raw(1, [[300, 200]]), { latest: undefined })).toEqual({ infer: true, crops: [{ x: 272, y: 172, width: 96, height: 96 }] });
    // Moved 40 pixels right: its crop follows (the background kept the grey under the square, so only the square counts).
    expect(stage.gate!(raw(2, [[340, 200]]), { latest: tracked })).toEqual({ infer: true, crops: [{ x: 312, y: 172, width: 96, height: 96 }] });
    // Still, tracked, 1 s after the last inferred frame: keep-alive, the whole frame.
    expect(stage.gate!(raw(12, []), { latest: tracked })).toEqual({ infer: true });
    expect(stage.gate!({ ...raw(13, []), payload: { kind: 'encoded', bytes: new Uint8Array([0xff, 0xd8]) } }, { latest: tracked })).toEqual({ infer: true });
    expect(stage.counters()).toMatchObject({ regionFrames: 2, regionCrops: 2, wholeFrames: 3, wholeCover: 0, wholeTooMany: 0, keepalive: 1, unjudged: 1 });
  });

  it('falls back to the whole frame with more regions than max_regions, and when the crops cover most of the frame', () => {
    const stage = createMotionStage({ ...config, maxRegions: 2 });
    stage.start!(context({ width: 96, height: 96 }));
    stage.gate!(raw(0, []), { latest: undefined });
    expect(stage.gate!(raw(1, [[20, 20], [300, 20], [560, 400]]), { latest: undefined })).toEqual({ infer: true });
    const big = createMotionStage(config);
    // A 320x320 input on a 640x480 frame: one crop is a third of it, two far apart are two thirds.
    big.start!(context({ width: 320, height: 320 }));
    big.gate!(raw(0, []), { latest: undefined });
    expect(big.gate!(raw(1, [[300, 200]]), { latest: undefined })).toEqual({ infer: true, crops: [{ x: 160, y: 60, width: 320, height: 320 }] });
    expect(big.gate!(raw(2, [[300, 200], [20, 20], [560, 400]]), { latest: undefined })).toEqual({ infer: true });
    expect(stage.counters()).toMatchObject({ regionFrames: 0, wholeFrames: 2, wholeTooMany: 1, wholeCover: 0 });
    expect(big.counters()).toMatchObject({ regionFrames: 1, regionCrops: 1, wholeFrames: 2, wholeCover: 1, wholeTooMany: 0 });
  });

  it('infers whole when the pipeline gave no model input size (no detector on images), and counts nothing extra with detect_on: frame', () => {
    const stage = createMotionStage(config);
    stage.start!(context());
    stage.gate!(raw(0, []), { latest: undefined });
    expect(stage.gate!(raw(1, [[300, 200]]), { latest: undefined })).toEqual({ infer: true });
    expect(stage.counters()).toMatchObject({ regionFrames: 0, wholeFrames: 2 });
    const plain = createMotionStage({ ...config, detectOn: 'frame' });
    plain.start!(context({ width: 96, height: 96 }));
    plain.gate!(raw(0, []), { latest: undefined });
    expect(plain.gate!(raw(1, [[300, 200]]), { latest: undefined })).toEqual({ infer: true });
    expect(Object.keys(plain.counters())).not.toContain('regionFrames');
  });

  it('warns once when encoded frames arrive anyway (a board profile\'s camera command giving JPEG) and infers them whole', () => {
    const stage = createMotionStage(config);
    const given = context({ width: 96, height: 96 });
    stage.start!(given);
    const jpeg = { ...raw(0, []), payload: { kind: 'encoded', bytes: new Uint8Array([0xff, 0xd8]) } } as Frame;
    expect(stage.gate!(jpeg, { latest: undefined })).toEqual({ infer: true });
    expect(stage.gate!(jpeg, { latest: undefined })).toEqual({ infer: true });
    const warnings = (given.logger as ReturnType<typeof memoryLogger>).entries.filter((e) => e.level === 'warn').map((e) => e.message);
    expect(warnings).toEqual(['pipeline p: motion.detect_on: regions, but the source gives encoded frames (JPEG, PNG), which motion does not judge: each is inferred whole']);
    expect(stage.counters()).toMatchObject({ unjudged: 2, wholeFrames: 2 });
  });
});

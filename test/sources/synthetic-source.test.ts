import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SyntheticSourceConfig } from '../../src/config/types.js';
import { COLOUR_LABELS } from '../../src/demo/colour-classifier.js';
import type { Frame } from '../../src/core/frame.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { createSource } from '../../src/sources/index.js';
import { SYNTHETIC_COLOURS } from '../../src/sources/synthetic-patterns.js';
import { describeSourceContract } from './source-contract.js';
import { record, runToEnd } from './helpers.js';

const synthetic = (options: Partial<SyntheticSourceConfig> = {}) =>
  createSource('demo', { kind: 'synthetic', width: 8, height: 4, fps: 0, pattern: 'colours', frames: 0, ...options });
const first = (n: number, options: Partial<SyntheticSourceConfig> = {}): Promise<Frame[]> =>
  firstValueFrom(synthetic(options).frames().pipe(take(n), toArray()));
const pixels = (frame: Frame): Uint8Array => {
  if (frame.payload.kind !== 'raw') throw new Error('expected a raw frame');
  return frame.payload.data;
};
const meanRgb = (data: Uint8Array): number[] => {
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i++) sum[i % 3]! += data[i]!;
  return sum.map((s) => s / (data.length / 3));
};

describeSourceContract('synthetic (fps 0)', {
  running: () => synthetic(),
  failing: () => synthetic({ width: 0 }),
});

describeSourceContract('synthetic (fps 200, noise)', {
  running: () => synthetic({ fps: 200, pattern: 'noise' }),
  failing: () => synthetic({ fps: Number.NaN }),
});

describe('synthetic source', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    [1, 1],
    [8, 4],
    [33, 17],
  ])('%ix%i frames are rgb24 buffers of exactly width*height*3 bytes, one per frame', async (width, height) => {
    const frames = await first(3, { width, height });
    for (const frame of frames) {
      expect(frame.payload).toMatchObject({ kind: 'raw', format: 'rgb24', width, height });
      expect(pixels(frame).length).toBe(width * height * 3);
      expect(pixels(frame).byteOffset).toBe(0);
      expect(pixels(frame).buffer.byteLength).toBe(width * height * 3);
    }
    expect(new Set(frames.map((f) => pixels(f).buffer)).size).toBe(3);
  });

  it('colours: red, green, blue, grey in turn, noisy, with the colour in meta.expected (the demo labels)', async () => {
    expect(SYNTHETIC_COLOURS.map((c) => c.name)).toEqual([...COLOUR_LABELS]);
    const frames = await first(8, { width: 16, height: 16 });
    expect(frames.map((f) => f.meta.expected)).toEqual(['red', 'green', 'blue', 'grey', 'red', 'green', 'blue', 'grey']);
    frames.forEach((frame, i) => {
      const target = SYNTHETIC_COLOURS[i % 4]!.rgb;
      const mean = meanRgb(pixels(frame));
      mean.forEach((m, c) => expect(Math.abs(m - target[c]!)).toBeLessThan(3));
      expect(new Set(pixels(frame)).size).toBeGreaterThan(10); // noise, not a flat fill
    });
    expect(frames[0]!.meta).toEqual({ pattern: 'colours', index: 0, expected: 'red' });
  });

  it('patterns are deterministic: the same frame index gives the same bytes on every run', async () => {
    for (const pattern of ['colours', 'gradient', 'noise'] as const) {
      const [a, b] = await Promise.all([first(3, { pattern }), first(3, { pattern })]);
      a.forEach((frame, i) => expect(Buffer.from(pixels(frame)).equals(pixels(b[i]!))).toBe(true));
      expect(Buffer.from(pixels(a[0]!)).equals(pixels(a[1]!))).toBe(false);
    }
  });

  it('gradient moves right by 4 levels a frame', async () => {
    const frames = await first(2, { pattern: 'gradient', width: 64, height: 2 });
    const red = (frame: Frame, x: number): number => pixels(frame)[x * 3]!;
    expect(frames.map((f) => f.meta.shift)).toEqual([0, 4]);
    for (let x = 1; x < 63; x++) expect(red(frames[1]!, x + 1)).toBe(red(frames[0]!, x));
  });

  it('frames > 0 completes after exactly that many', async () => {
    const { frames, error } = await runToEnd(synthetic({ frames: 5 }).frames());
    expect(error).toBeUndefined();
    expect(frames.map((f) => f.id)).toEqual([0, 1, 2, 3, 4]);
  });

  it('an emitted frame is never changed afterwards (no buffer reuse)', async () => {
    for (const pattern of ['colours', 'gradient', 'noise'] as const) {
      const kept: Array<{ frame: Frame; copy: Buffer }> = [];
      await new Promise<void>((resolve) => {
        synthetic({ pattern, frames: 6 }).frames().subscribe({
          next: (frame) => kept.push({ frame, copy: Buffer.from(pixels(frame)) }),
          complete: resolve,
        });
      });
      expect(kept.length).toBe(6);
      for (const { frame, copy } of kept) expect(Buffer.from(pixels(frame)).equals(copy)).toBe(true);
    }
  });

  it('fps 20 on fake timers: one frame every 50 ms, on a drift-free grid', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance', 'Date'] });
    const start = performance.now();
    const state = record(synthetic({ fps: 20 }).frames());
    await vi.advanceTimersByTimeAsync(1000);
    state.subscription.unsubscribe();
    expect(state.frames.length).toBe(21);
    expect(state.frames.map((f) => f.capturedMonoMs - start)).toEqual(Array.from({ length: 21 }, (_, i) => i * 50));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fps 30 on fake timers: 1000/30 ms periods do not accumulate rounding (frame 300 at exactly 10 s)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance', 'Date'] });
    const start = performance.now();
    const state = record(synthetic({ fps: 30, width: 1, height: 1 }).frames());
    await vi.advanceTimersByTimeAsync(10_000);
    state.subscription.unsubscribe();
    expect(state.frames.length).toBe(301);
    expect(state.frames[300]!.capturedMonoMs - start).toBeCloseTo(10_000, 0);
  });

  it('invalid settings fail naming the source and the setting', async () => {
    const cases: Array<[Partial<SyntheticSourceConfig>, string]> = [
      [{ width: 0 }, 'width must be an integer from 1 to 8192, got 0'],
      [{ height: 2.5 }, 'height must be an integer from 1 to 8192, got 2.5'],
      [{ fps: -1 }, 'fps must be a number >= 0, got -1'],
      [{ frames: -3 }, 'frames must be an integer >= 0, got -3'],
    ];
    for (const [options, message] of cases) {
      const { error } = await runToEnd(synthetic(options).frames());
      expect(error).toBeInstanceOf(EdgepipeError);
      expect((error as EdgepipeError).message).toBe(`source demo/synthetic: ${message}`);
    }
  });
});

/** Windows cut from sample series: order, hop, gap filling and the missing-value bound, value by value. */
import { describe, expect, it } from 'vitest';
import type { SampleBatch } from '../../../src/sources/series/types.js';
import { Windower } from '../../../src/sources/series/windower.js';

const batch = (...samples: number[][]): SampleBatch => ({
  count: samples.length,
  values: Float32Array.from(samples.flat()),
  monoMs: 100,
  wallMs: 1_700_000_000_000,
});

const steps = (values: Float32Array, channels: number): number[][] =>
  Array.from({ length: values.length / channels }, (_, s) => Array.from(values.subarray(s * channels, (s + 1) * channels)));

describe('Windower', () => {
  it('emits `length` samples in time order every `hop` samples, across batch boundaries', () => {
    const windower = new Windower(['x', 'y'], { length: 3, hop: 2, maxMissing: 0 });
    const out = [
      ...windower.push(batch([1, 10], [2, 20])),
      ...windower.push(batch([3, 30], [4, 40], [5, 50])),
      ...windower.push(batch([6, 60], [7, 70])),
    ];
    expect(out.map((w) => steps(w.payload.values, 2))).toEqual([
      [[1, 10], [2, 20], [3, 30]],
      [[3, 30], [4, 40], [5, 50]],
      [[5, 50], [6, 60], [7, 70]],
    ]);
    expect(out[0]!.payload).toMatchObject({ kind: 'series', channels: ['x', 'y'], steps: 3, filled: 0 });
    expect(windower.counters).toEqual({ samples: 7, windows: 3, filledValues: 0, incompleteWindows: 0, discardedAtRestart: 0 });
  });

  it('without a hop, windows do not overlap', () => {
    const windower = new Windower(['v'], { length: 2, maxMissing: 0 });
    const out = windower.push(batch([1], [2], [3], [4], [5]));
    expect(out.map((w) => Array.from(w.payload.values))).toEqual([[1, 2], [3, 4]]);
  });

  it('fills a missing value from the channel\'s previous one and counts it', () => {
    const windower = new Windower(['x', 'y'], { length: 3, maxMissing: 0.4 });
    const [window] = windower.push(batch([1, 10], [NaN, 20], [3, NaN]));
    expect(steps(window!.payload.values, 2)).toEqual([[1, 10], [1, 20], [3, 20]]);
    expect(window!.payload.filled).toBe(2);
    expect(windower.counters.filledValues).toBe(2);
  });

  it('drops windows with more missing values than max_missing allows, and those with a channel never seen', () => {
    const windower = new Windower(['x', 'y'], { length: 2, maxMissing: 0.25 });
    expect(windower.push(batch([NaN, 1], [2, 2]))).toEqual([]); // x has no previous value
    expect(windower.push(batch([3, NaN], [4, NaN]))).toEqual([]); // 2 of 4 filled > 0.25
    const [ok] = windower.push(batch([5, 5], [6, NaN]));
    expect(steps(ok!.payload.values, 2)).toEqual([[5, 5], [6, 5]]);
    expect(ok!.payload.filled).toBe(1);
    expect(windower.counters).toMatchObject({ windows: 1, incompleteWindows: 2, filledValues: 4 });
  });

  it('counts a filled value only while it is inside the window', () => {
    const windower = new Windower(['x'], { length: 2, hop: 1, maxMissing: 0.5 });
    const out = windower.push(batch([1], [NaN], [3], [4]));
    expect(out.map((w) => [Array.from(w.payload.values), w.payload.filled])).toEqual([
      [[1, 1], 1],
      [[1, 3], 1],
      [[3, 4], 0],
    ]);
  });

  it('refuses a batch whose value count does not match its channels', () => {
    const windower = new Windower(['x', 'y'], { length: 2, maxMissing: 0 });
    expect(() => windower.push({ count: 2, values: new Float32Array(3), monoMs: 0, wallMs: 0 })).toThrow(/2 samples has 3 values for 2 channels/);
  });
});

describe('Windower after a producer restart', () => {
  it('starts afresh: no window spans the gap, and the samples left without a window are counted', () => {
    const windower = new Windower(['x'], { length: 3, hop: 2, maxMissing: 0 });
    expect(windower.push(batch([1], [2], [3], [4])).map((w) => Array.from(w.payload.values))).toEqual([[1, 2, 3]]);
    // Sample 4 was waiting for the next window (with 3 and 5); the restart discards it.
    const after = windower.push({ ...batch([10], [11], [12], [13], [14]), discontinuity: true });
    expect(after.map((w) => Array.from(w.payload.values))).toEqual([[10, 11, 12], [12, 13, 14]]);
    expect(windower.counters.discardedAtRestart).toBe(1);
  });

  it('does not fill a gap after the restart from a value before it', () => {
    const windower = new Windower(['x'], { length: 2, maxMissing: 1 });
    windower.push(batch([1], [2]));
    expect(windower.push({ ...batch([NaN], [5]), discontinuity: true })).toEqual([]);
    expect(windower.counters.incompleteWindows).toBe(1);
  });
});

/** Sensor windows into input tensors: normalisation, layout and quantisation, value by value. */
import { describe, expect, it } from 'vitest';
import type { WindowConfig } from '../../src/config/types.js';
import type { SeriesPayload } from '../../src/core/frame.js';
import { createSeriesPreprocessor, seriesInputMismatch } from '../../src/preprocess/series-preprocessor.js';
import type { TensorInfo } from '../../src/runtime/tensor.js';

const window = (over: Partial<WindowConfig> = {}): WindowConfig => ({ length: 3, normalize: 'none', layout: 'steps_channels', maxMissing: 0, ...over });
const input = (dtype: string, shape: number[], scale = 0, zeroPoint = 0): TensorInfo => ({
  index: 0,
  name: 'x',
  dtype,
  shape,
  bytes: 0,
  quantization: scale > 0 ? { scale, zeroPoint, scales: [scale], zeroPoints: [zeroPoint], axis: 0 } : null,
});
// 3 steps x 2 channels, step-major: x = 1, 2, 3; y = 10, 20, 60.
const payload: SeriesPayload = { kind: 'series', channels: ['x', 'y'], steps: 3, values: Float32Array.from([1, 10, 2, 20, 3, 60]), filled: 0 };

describe('series preprocessor', () => {
  it('writes float32 values as read, time-major', () => {
    const target = new Float32Array(6);
    createSeriesPreprocessor(window(), 2, input('float32', [1, 3, 2])).run(payload, target);
    expect(Array.from(target)).toEqual([1, 10, 2, 20, 3, 60]);
  });

  it('channel-major layout puts each channel\'s steps together', () => {
    const target = new Float32Array(6);
    createSeriesPreprocessor(window({ layout: 'channels_steps' }), 2, input('float32', [1, 2, 3])).run(payload, target);
    expect(Array.from(target)).toEqual([1, 2, 3, 10, 20, 60]);
  });

  it('normalises each channel over the window (population std)', () => {
    const target = new Float32Array(6);
    createSeriesPreprocessor(window({ normalize: 'window' }), 2, input('float32', [1, 6])).run(payload, target);
    const sx = Math.sqrt(2 / 3);
    const sy = Math.sqrt(((10 - 30) ** 2 + (20 - 30) ** 2 + (60 - 30) ** 2) / 3);
    const expected = [(1 - 2) / sx, (10 - 30) / sy, 0, (20 - 30) / sy, (3 - 2) / sx, (60 - 30) / sy];
    target.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it('a flat channel normalises to zeros', () => {
    const flat: SeriesPayload = { ...payload, values: Float32Array.from([5, 1, 5, 2, 5, 3]) };
    const target = new Float32Array(6);
    createSeriesPreprocessor(window({ normalize: 'window' }), 2, input('float32', [1, 3, 2])).run(flat, target);
    expect([target[0], target[2], target[4]]).toEqual([0, 0, 0]);
  });

  it('fixed normalisation uses the training mean and std', () => {
    const target = new Float32Array(6);
    createSeriesPreprocessor(window({ normalize: 'fixed', mean: [2, 20], std: [0.5, 10] }), 2, input('float32', [3, 2])).run(payload, target);
    expect(Array.from(target)).toEqual([-2, -1, 0, 0, 2, 4]);
  });

  it('quantises to int8 with the input\'s scale and zero point, clamping', () => {
    const target = new Int8Array(6);
    createSeriesPreprocessor(window(), 2, input('int8', [1, 6], 0.5, -3)).run(payload, target);
    // round(v / 0.5) - 3, clamped to [-128, 127]: 1 -> -1, 10 -> 17, 60 -> 117.
    expect(Array.from(target)).toEqual([-1, 17, 1, 37, 3, 117]);
    const big: SeriesPayload = { ...payload, values: Float32Array.from([-100, 100, 0, 0, 0, 0]) };
    createSeriesPreprocessor(window(), 2, input('int8', [1, 6], 0.5, -3)).run(big, target);
    expect([target[0], target[1]]).toEqual([-128, 127]);
  });

  it('quantises to uint8', () => {
    const target = new Uint8Array(6);
    createSeriesPreprocessor(window(), 2, input('uint8', [1, 6], 1, 128)).run(payload, target);
    expect(Array.from(target)).toEqual([129, 138, 130, 148, 131, 188]);
  });

  it('names the mismatch when the input does not hold length x channels values', () => {
    expect(seriesInputMismatch(input('int8', [1, 128, 3], 0.1), 100, 3, window({ length: 100 }))).toBe(
      'input x is int8 [1,128,3] (384 values) but the window gives 100 steps x 3 channels = 300; set window.length to 128',
    );
    expect(seriesInputMismatch(input('int8', [1, 7], 0.1), 3, 2, window())).toMatch(/a divisor of 7 and match the channel count/);
    expect(seriesInputMismatch(input('int32', [1, 6]), 3, 2, window())).toMatch(/int32 \[1,6\]; sensor windows can fill int8, uint8, int16, float32/);
    expect(seriesInputMismatch(input('float32', [6]), 3, 2, window({ normalize: 'fixed', mean: [1], std: [1] }))).toMatch(/one value per channel \(2\)/);
    expect(() => createSeriesPreprocessor(window(), 3, input('float32', [1, 6]))).toThrow(/ERR|window gives 3 steps x 3 channels/);
  });
});

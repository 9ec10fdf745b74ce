// Unit tests of the reference arithmetic (bit-exactness against TFLite itself is in harness.test.ts).
import { describe, expect, it } from 'vitest';
import {
  frexp, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, roundingDivideByPOT, saturatingRoundingDoublingHighMul,
} from './reference/fixedpoint.js';
import { averagePool, outputSize, paddingBefore, softmaxQuantized } from './reference/kernels.js';

describe('fixed-point helpers', () => {
  it('frexp splits into [0.5, 1) and an exponent', () => {
    expect(frexp(8)).toEqual([0.5, 4]);
    expect(frexp(0.75)).toEqual([0.75, 0]);
    expect(frexp(0.1)).toEqual([0.8, -3]);
  });

  it('quantizeMultiplier matches QuantizeMultiplier', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(0.1)).toEqual({ multiplier: 1717986918, shift: -3 });
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 }); // rounds up to 2^31, folded
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
  });

  it('rounds like gemmlowp', () => {
    expect([5, -5, 4, -4, 7, -6].map((x, i) => roundingDivideByPOT(x, i < 4 ? 1 : 2))).toEqual([3, -3, 2, -2, 2, -2]);
    expect(saturatingRoundingDoublingHighMul(-2147483648, -2147483648)).toBe(2147483647);
    expect(saturatingRoundingDoublingHighMul(2 ** 30, 2 ** 30)).toBe(2 ** 29);
    expect(saturatingRoundingDoublingHighMul(-1, 2 ** 30)).toBe(0);
    expect(multiplyByQuantizedMultiplier(100, quantizeMultiplier(0.1))).toBe(10);
    expect(multiplyByQuantizedMultiplier(-15, quantizeMultiplier(0.1))).toBe(-2);
    expect([2.5, -2.5, 0.49999999999999994, -0.5].map(roundHalfAway)).toEqual([3, -3, 0, -1]);
  });
});

describe('reference kernels', () => {
  it('computes TFLite output sizes and padding', () => {
    expect(outputSize('SAME', 8, 3, 1)).toBe(8);
    expect(outputSize('SAME', 6, 3, 2)).toBe(3);
    expect(outputSize('VALID', 8, 2, 2)).toBe(4);
    expect(paddingBefore(6, 3, 2, 1, 3)).toBe(0); // total 1: the odd pixel goes after
    expect(paddingBefore(8, 3, 1, 1, 8)).toBe(1);
  });

  it('average pool rounds half away from zero', () => {
    const pool = (input: number[]): number[] =>
      Array.from(averagePool({ input, inputShape: [1, 1, 2, 1], filterH: 1, filterW: 2, strideH: 1, strideW: 2, padding: 'VALID', range: [-128, 127] }).output);
    expect([pool([1, 2]), pool([-1, -2]), pool([1, 1])]).toEqual([[2], [-2], [1]]);
  });

  it('softmax of equal logits is uniform', () => {
    const out = softmaxQuantized({ input: [5, 5, 5, 5], rowSize: 4, inputScale: 0.1, beta: 1, outputScale: 1 / 256, outputZeroPoint: -128, type: 'int8' });
    expect(Array.from(out)).toEqual([-64, -64, -64, -64]);
  });
});

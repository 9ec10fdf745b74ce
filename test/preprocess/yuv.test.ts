/**
 * YUV -> RGB against the BT.601 limited-range definition (reference.ts): every channel of every pixel within one
 * level of the exact value, for all three formats, full resolution, halved, and regions starting on odd pixels.
 */
import { describe, expect, it } from 'vitest';
import { yuvFrameBytes, yuvToRgb, type YuvFormat } from '../../src/preprocess/yuv.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { bytes, config, tensorInfo } from './tensors.js';
import { exactYuvToRgb, yuvRegionToRgb } from './reference.js';

const formats: YuvFormat[] = ['i420', 'nv12', 'yuyv'];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i += 1) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('yuvToRgb', () => {
  it('stays within one level of the exact BT.601 formula for every Y and V and every third U', () => {
    // One 2x2 I420 frame per (U, V) pair, with four Y values: covers every legal and illegal code.
    let worst = 0;
    const out = new Uint8Array(12);
    for (let u = 0; u < 256; u += 3) {
      for (let v = 0; v < 256; v += 1) {
        for (let y = 0; y < 256; y += 4) {
          const frame = new Uint8Array([y, y + 1, y + 2, y + 3, u, v]);
          yuvToRgb({ format: 'i420', width: 2, height: 2, data: frame }, { x: 0, y: 0, width: 2, height: 2 }, false, out);
          for (let i = 0; i < 4; i += 1) {
            const exact = exactYuvToRgb(y + i, u, v).map((c) => Math.min(255, Math.max(0, c)));
            for (let c = 0; c < 3; c += 1) worst = Math.max(worst, Math.abs(out[i * 3 + c]! - exact[c]!));
          }
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('maps black, white and the primaries of limited range to 0 and 255', () => {
    const out = new Uint8Array(3);
    const convert = (y: number, u: number, v: number) => {
      yuvToRgb({ format: 'yuyv', width: 2, height: 1, data: new Uint8Array([y, u, y, v]) }, { x: 0, y: 0, width: 1, height: 1 }, false, out);
      return [...out];
    };
    expect(convert(16, 128, 128)).toEqual([0, 0, 0]);
    expect(convert(235, 128, 128)).toEqual([255, 255, 255]);
    expect(convert(81, 90, 240)).toEqual([255, 0, 0]);
    expect(convert(145, 54, 34)).toEqual([0, 255, 1]);
    expect(convert(41, 240, 110)).toEqual([0, 0, 255]);
  });

  for (const format of formats) {
    for (const [w, h] of [[10, 6], [9, 7]] as const) {
      if (format === 'yuyv' && w % 2) continue;
      it(`${format} ${w}x${h}: every pixel of the frame and of an odd region within one level`, () => {
        const data = bytes(yuvFrameBytes(format, w, h), w * 31 + h);
        for (const region of [{ x: 0, y: 0, width: w, height: h }, { x: 3, y: 1, width: 5, height: 5 }]) {
          const out = new Uint8Array(region.width * region.height * 3);
          yuvToRgb({ format, width: w, height: h, data }, region, false, out);
          expect(maxDiff(out, yuvRegionToRgb(format, w, h, data, region))).toBeLessThanOrEqual(1);
        }
      });
    }

    it(`${format}: halving averages each 2x2 block before converting`, () => {
      const [w, h] = [12, 8];
      const data = bytes(yuvFrameBytes(format, w, h), 7);
      const region = { x: 2, y: 2, width: 8, height: 6 };
      const out = new Uint8Array(4 * 3 * 3);
      yuvToRgb({ format, width: w, height: h, data }, region, true, out);
      expect(maxDiff(out, yuvRegionToRgb(format, w, h, data, region, true))).toBeLessThanOrEqual(1);
    });
  }
});

describe('YUV frames through the preprocessor', () => {
  const info = (w: number, h: number) => tensorInfo('float32', [1, h, w, 3]);
  const identity = { mean: [0], std: [1] };

  for (const format of formats) {
    it(`${format} at the tensor's size: every pixel within one level (full-resolution path)`, async () => {
      const data = bytes(yuvFrameBytes(format, 16, 10), 3);
      const target = new Float32Array(16 * 10 * 3);
      await createImagePreprocessor(config(identity), info(16, 10)).run({ kind: 'raw', format, width: 16, height: 10, data }, target);
      expect(maxDiff(target, yuvRegionToRgb(format, 16, 10, data, { x: 0, y: 0, width: 16, height: 10 }))).toBeLessThanOrEqual(1);
    });

    it(`${format} at twice the tensor's size: converted at half resolution (2x2 blocks)`, async () => {
      const data = bytes(yuvFrameBytes(format, 16, 12), 4);
      const target = new Float32Array(8 * 6 * 3);
      await createImagePreprocessor(config(identity), info(8, 6)).run({ kind: 'raw', format, width: 16, height: 12, data }, target);
      expect(maxDiff(target, yuvRegionToRgb(format, 16, 12, data, { x: 0, y: 0, width: 16, height: 12 }, true))).toBeLessThanOrEqual(1);
    });

    it(`${format} with an odd region of interest: only the region is converted, at full resolution`, async () => {
      const data = bytes(yuvFrameBytes(format, 16, 12), 5);
      const roi = { x: 3, y: 1, width: 7, height: 5 };
      const target = new Float32Array(7 * 5 * 3);
      await createImagePreprocessor(config({ ...identity, roi }), info(7, 5)).run({ kind: 'raw', format, width: 16, height: 12, data }, target);
      expect(maxDiff(target, yuvRegionToRgb(format, 16, 12, data, roi))).toBeLessThanOrEqual(1);
    });
  }
});

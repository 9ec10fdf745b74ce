/**
 * Encoded images: EXIF orientation is applied first (source coordinates are those of the upright image), and
 * frames in flight at the same time do not share scratch buffers.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ResizeMode } from '../../src/config/types.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { yuvFrameBytes } from '../../src/preprocess/yuv.js';
import { writeImageInput } from '../../src/preprocess/image-input.js';
import { bytes, config, tensorInfo } from './tensors.js';

const identity = { mean: [0], std: [1] };

/** Mean colour of tensor rows [y0, y1) of an NHWC float tensor `width` wide. */
function rowsColour(t: Float32Array, width: number, y0: number, y1: number): number[] {
  const sum = [0, 0, 0];
  for (let i = y0 * width * 3; i < y1 * width * 3; i += 1) sum[i % 3] = sum[i % 3]! + t[i]!;
  return sum.map((s) => s / ((y1 - y0) * width));
}

function expectNear(actual: number[], expected: number[], tolerance: number) {
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!), `channel ${i}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
}

// Stored 32x16, left half red, right half blue; orientation 6 says "rotate 90 clockwise to show": upright it is
// 16x32, red on top.
const stored = new Uint8Array(32 * 16 * 3);
for (let y = 0; y < 16; y += 1) for (let x = 0; x < 32; x += 1) stored.set(x < 16 ? [255, 0, 0] : [0, 0, 255], (y * 32 + x) * 3);
const jpeg = await sharp(stored, { raw: { width: 32, height: 16, channels: 3 } })
  .jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toBuffer();

describe('EXIF orientation', () => {
  const red = [255, 0, 0];
  const blue = [0, 0, 255];

  const cases: Array<[ResizeMode, number, number, Array<[number, number, number[]]>]> = [
    ['fill', 16, 32, [[0, 12, red], [20, 32, blue]]],
    ['cover', 16, 16, [[0, 6, red], [10, 16, blue]]],
    ['contain', 32, 32, [[0, 12, red], [20, 32, blue]]],
  ];
  for (const [resize, w, h, bands] of cases) {
    it(`is applied before ${resize}: the upright image is 16x32 with red on top`, async () => {
      const target = new Float32Array(w * h * 3);
      const pre = createImagePreprocessor(config({ resize, ...identity }), tensorInfo('float32', [1, h, w, 3]));
      const geometry = await pre.run({ kind: 'encoded', bytes: jpeg }, target);
      expect(geometry).toMatchObject({ sourceWidth: 16, sourceHeight: 32 });
      if (resize === 'contain') {
        // 16x32 into 32x32: 16 wide, centred; sample the middle columns only.
        expect(geometry.toSource(0.25, 0)).toEqual({ x: 0, y: 0 });
        expect(geometry.toSource(0.75, 1)).toEqual({ x: 16, y: 32 });
        return;
      }
      for (const [y0, y1, colour] of bands) expectNear(rowsColour(target, w, y0, y1), colour, 8);
    });
  }

  it('a region of interest is in upright coordinates', async () => {
    const target = new Float32Array(16 * 12 * 3);
    const pre = createImagePreprocessor(config({ roi: { x: 0, y: 0, width: 16, height: 12 }, ...identity }), tensorInfo('float32', [1, 12, 16, 3]));
    await pre.run({ kind: 'encoded', bytes: jpeg }, target);
    expectNear(rowsColour(target, 16, 0, 12), red, 8);
  });
});

describe('concurrency', () => {
  it('frames in flight together give the same tensors as one at a time (YUV scratch buffers are not shared)', async () => {
    // 64x48 halves to 32x24, which sharp then resizes: the scratch buffer is sharp's input.
    const info = tensorInfo('uint8', [1, 20, 30, 3]);
    const pre = createImagePreprocessor(config(), info);
    const frames = [1, 2, 3, 4, 5, 6].map((seed) => ({
      kind: 'raw' as const, format: 'nv12' as const, width: 64, height: 48, data: bytes(yuvFrameBytes('nv12', 64, 48), seed),
    }));
    const alone: number[][] = [];
    for (const frame of frames) {
      const t = new Uint8Array(info.bytes);
      await pre.run(frame, t);
      alone.push(Array.from(t));
    }
    const targets = frames.map(() => new Uint8Array(info.bytes));
    await Promise.all(frames.map((frame, i) => pre.run(frame, targets[i]!)));
    expect(targets.map((t) => Array.from(t))).toEqual(alone);
    // A reused scratch buffer never brings back an earlier frame (e.g. through libvips' operation cache).
    const fresh: number[][] = [];
    for (const frame of frames) {
      const t = new Uint8Array(info.bytes);
      await createImagePreprocessor(config(), info).run(frame, t);
      fresh.push(Array.from(t));
    }
    expect(alone).toEqual(fresh);
    expect(new Set(alone.map((t) => t.join())).size).toBe(frames.length);
  });
});

describe('writeImageInput', () => {
  it('reads a file path or bytes and returns the geometry (fill by default)', async () => {
    const png = await sharp(bytes(20 * 10 * 3, 2), { raw: { width: 20, height: 10, channels: 3 } }).png().toBuffer();
    const info = tensorInfo('uint8', [1, 5, 10, 3]);
    const target = new Uint8Array(info.bytes);
    const geometry = await writeImageInput(png, info, target);
    expect(geometry).toMatchObject({ sourceWidth: 20, sourceHeight: 10, tensorWidth: 10, tensorHeight: 5 });
    expect(geometry.toSource(1, 1)).toEqual({ x: 20, y: 10 });
  });
});

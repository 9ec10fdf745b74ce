/**
 * Resizing for real (lanczos3, non-integer factors): solid blocks come out exact away from their edges, letterbox
 * padding is exact, and `toSource` puts a marker's centroid back on the marker for every combination of
 * roi x rotate x flip x resize mode, for raw frames and PNGs.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Flip, ResizeMode, Rotation } from '../../src/config/types.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { config, tensorInfo } from './tensors.js';

const identity = { mean: [0], std: [1] };

function rgbAt(t: Float32Array, width: number, x: number, y: number): number[] {
  const at = (y * width + x) * 3;
  return [t[at]!, t[at + 1]!, t[at + 2]!];
}

describe('resize modes on solid blocks', () => {
  // 64x32: left half red, right half blue.
  const W = 64;
  const H = 32;
  const blocks = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y += 1) for (let x = 0; x < W; x += 1) blocks.set(x < W / 2 ? [255, 0, 0] : [0, 0, 255], (y * W + x) * 3);
  const red = [255, 0, 0];
  const blue = [0, 0, 255];
  const raw = { kind: 'raw' as const, format: 'rgb24' as const, width: W, height: H, data: blocks };

  async function run(resize: ResizeMode, width: number, height: number, encoded = false) {
    const target = new Float32Array(width * height * 3);
    const pre = createImagePreprocessor(config({ resize, padColour: [10, 20, 30], ...identity }), tensorInfo('float32', [1, height, width, 3]));
    const image = encoded ? { kind: 'encoded' as const, bytes: await sharp(blocks, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer() } : raw;
    return { target, geometry: await pre.run(image, target) };
  }

  // lanczos3 at a factor of 4 reaches 3 output pixels: exact beyond that from the edge between columns 7 and 8.
  it('fill stretches both axes: 64x32 -> 16x16, exact colours beyond the kernel reach of the edge', async () => {
    const { target } = await run('fill', 16, 16);
    for (let y = 0; y < 16; y += 1) {
      for (let x = 0; x < 5; x += 1) expect(rgbAt(target, 16, x, y)).toEqual(red);
      for (let x = 11; x < 16; x += 1) expect(rgbAt(target, 16, x, y)).toEqual(blue);
    }
  });

  it('contain letterboxes: 64x32 -> 32x32 is 32x16 at row 8, pad colour above and below', async () => {
    const { target, geometry } = await run('contain', 32, 32);
    for (let x = 0; x < 32; x += 1) {
      for (const y of [0, 7, 24, 31]) expect(rgbAt(target, 32, x, y)).toEqual([10, 20, 30]);
    }
    for (let y = 8; y < 24; y += 1) {
      for (let x = 0; x < 13; x += 1) expect(rgbAt(target, 32, x, y)).toEqual(red);
      for (let x = 19; x < 32; x += 1) expect(rgbAt(target, 32, x, y)).toEqual(blue);
    }
    expect(geometry.toSource(0, 8 / 32)).toEqual({ x: 0, y: 0 });
    expect(geometry.toSource(1, 24 / 32)).toEqual({ x: 64, y: 32 });
  });

  for (const encoded of [false, true]) {
    it(`cover crops the centre: 64x32 -> 16x16 shows columns 16..48 (${encoded ? 'PNG, cut after resizing' : 'raw, cut before'})`, async () => {
      const { target, geometry } = await run('cover', 16, 16, encoded);
      for (let y = 0; y < 16; y += 1) {
        for (let x = 0; x < 5; x += 1) expect(rgbAt(target, 16, x, y)).toEqual(red);
        for (let x = 11; x < 16; x += 1) expect(rgbAt(target, 16, x, y)).toEqual(blue);
      }
      expect(geometry.toSource(0, 0)).toEqual({ x: 16, y: 0 });
      expect(geometry.toSource(1, 1)).toEqual({ x: 48, y: 32 });
    });
  }
});

describe('toSource of known points', () => {
  const frame = { kind: 'raw' as const, format: 'gray8' as const, width: 64, height: 48, data: new Uint8Array(64 * 48) };
  const info = tensorInfo('uint8', [1, 26, 30, 1]);
  const geometryOf = (overrides: Parameters<typeof config>[0]) => createImagePreprocessor(config(overrides), info).run(frame, new Uint8Array(30 * 26));

  it('fill: corners to corners', async () => {
    const g = await geometryOf({});
    expect(g.toSource(0, 0)).toEqual({ x: 0, y: 0 });
    expect(g.toSource(1, 1)).toEqual({ x: 64, y: 48 });
    expect(g.toSource(0.5, 0.5)).toEqual({ x: 32, y: 24 });
  });

  it('rotate 90 (clockwise): the tensor top-left shows the source bottom-left', async () => {
    const g = await geometryOf({ rotate: 90 });
    expect(g.toSource(0, 0)).toEqual({ x: 0, y: 48 });
    expect(g.toSource(1, 0)).toEqual({ x: 0, y: 0 });
    expect(g.toSource(1, 1)).toEqual({ x: 64, y: 0 });
  });

  it('rotate 90 then flip horizontal: the tensor top-left shows the source top-left', async () => {
    const g = await geometryOf({ rotate: 90, flip: 'horizontal' });
    expect(g.toSource(0, 0)).toEqual({ x: 0, y: 0 });
    expect(g.toSource(0, 1)).toEqual({ x: 64, y: 0 });
  });

  it('contain: 64x48 -> 30x26 is 30x23 one row down (22.5 rounds up)', async () => {
    const g = await geometryOf({ resize: 'contain' });
    expect(g.toSource(0, 1 / 26)).toEqual({ x: 0, y: 0 });
    expect(g.toSource(1, 24 / 26)).toEqual({ x: 64, y: 48 });
  });

  it('cover with a region of interest: the centred 30x26 aspect window of the region', async () => {
    // Region 40x36 at (8, 4) is taller than 30:26: window 40 x round(40 * 26 / 30) = 35, one row down.
    const g = await geometryOf({ resize: 'cover', roi: { x: 8, y: 4, width: 40, height: 36 } });
    expect(g.toSource(0, 0)).toEqual({ x: 8, y: 4 });
    expect(g.toSource(1, 1)).toEqual({ x: 48, y: 39 });
  });
});

describe('a marker maps back onto itself through every combination', () => {
  const W = 64;
  const H = 48;
  const rois = [undefined, { x: 8, y: 4, width: 40, height: 36 }];
  const rotations: Rotation[] = [0, 90, 180, 270];
  const flips: Flip[] = ['none', 'horizontal', 'vertical'];
  const modes: ResizeMode[] = ['fill', 'contain', 'cover'];
  const frames = new Map<string, { data: Uint8Array; png: Buffer; centre: { x: number; y: number } }>();

  async function frameFor(roi: (typeof rois)[number]) {
    const key = JSON.stringify(roi);
    if (!frames.has(key)) {
      // A 4x4 white square off the region's centre (so a wrong flip or rotation moves it).
      const r = roi ?? { x: 0, y: 0, width: W, height: H };
      const x0 = r.x + Math.floor(r.width / 2) + 5;
      const y0 = r.y + Math.floor(r.height / 2) - 6;
      const data = new Uint8Array(W * H);
      for (let y = y0; y < y0 + 4; y += 1) data.fill(255, y * W + x0, y * W + x0 + 4);
      const png = await sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer();
      frames.set(key, { data, png, centre: { x: x0 + 2, y: y0 + 2 } });
    }
    return frames.get(key)!;
  }

  for (const input of ['raw', 'png'] as const) {
    for (const roi of rois) {
      for (const rotate of rotations) {
        for (const flip of flips) {
          for (const resize of modes) {
            it(`${input} roi=${roi ? 'yes' : 'no'} rotate=${rotate} flip=${flip} ${resize}`, async () => {
              const frame = await frameFor(roi);
              const [tw, th] = [30, 26];
              const target = new Float32Array(tw * th);
              const pre = createImagePreprocessor(config({ resize, roi, rotate, flip, ...identity }), tensorInfo('float32', [1, th, tw, 1]));
              const image = input === 'raw'
                ? { kind: 'raw' as const, format: 'gray8' as const, width: W, height: H, data: frame.data }
                : { kind: 'encoded' as const, bytes: frame.png };
              const g = await pre.run(image, target);
              let sum = 0;
              let sx = 0;
              let sy = 0;
              for (let y = 0; y < th; y += 1) {
                for (let x = 0; x < tw; x += 1) {
                  const v = target[y * tw + x]!;
                  sum += v;
                  sx += v * (x + 0.5);
                  sy += v * (y + 0.5);
                }
              }
              const p = g.toSource(sx / sum / tw, sy / sum / th);
              expect(Math.abs(p.x - frame.centre.x)).toBeLessThan(0.35);
              expect(Math.abs(p.y - frame.centre.y)).toBeLessThan(0.35);
              const back = g.toTensor(p.x, p.y);
              expect(back.nx).toBeCloseTo(sx / sum / tw, 9);
              expect(back.ny).toBeCloseTo(sy / sum / th, 9);
            });
          }
        }
      }
    }
  }
});

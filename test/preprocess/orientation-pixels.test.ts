/**
 * Region of interest x rotation x flip x resize mode, pixel by pixel against the reference, at sizes where
 * resizing is the identity (so any kernel gives exact pixels): each source pixel carries its own coordinates
 * (R = x, G = y), so every tensor pixel also checks `toSource` of its centre. Raw frames and PNGs (cover
 * cuts before resizing for raw frames and after resizing for whole encoded images) both go through.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Flip, ResizeMode, Rotation } from '../../src/config/types.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { crop, flip, pad, rotate, toTensor, type RefImage } from './reference.js';
import { config, tensorInfo } from './tensors.js';

const W = 10;
const H = 6;
const source: RefImage = { width: W, height: H, channels: 3, data: [] };
for (let y = 0; y < H; y += 1) for (let x = 0; x < W; x += 1) source.data.push(x, y, 7);
const raw = Uint8Array.from(source.data);
const png = await sharp(raw, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
const padColour: [number, number, number] = [250, 251, 252];

const rois = [undefined, { x: 2, y: 1, width: 6, height: 4 }];
const rotations: Rotation[] = [0, 90, 180, 270];
const flips: Flip[] = ['none', 'horizontal', 'vertical'];
const modes: ResizeMode[] = ['fill', 'contain', 'cover'];

/** The tensor size that makes each mode exact: fill = the region, contain adds 3 rows, cover drops 2 columns. */
function tensorSize(mode: ResizeMode, region: { width: number; height: number }, angle: Rotation) {
  const [w, h] = angle === 90 || angle === 270 ? [region.height, region.width] : [region.width, region.height];
  if (mode === 'contain') return { width: w, height: h + 3 };
  if (mode === 'cover') return { width: w - 2, height: h };
  return { width: w, height: h };
}

function expected(mode: ResizeMode, roi: (typeof rois)[number], angle: Rotation, how: Flip, size: { width: number; height: number }): RefImage {
  const oriented = flip(rotate(crop(source, roi ?? { x: 0, y: 0, width: W, height: H }), angle), how);
  if (mode === 'contain') return pad(oriented, size.width, size.height, 0, 1, padColour);
  if (mode === 'cover') return crop(oriented, { x: 1, y: 0, width: size.width, height: size.height });
  return oriented;
}

describe('roi x rotate x flip x resize mode, pixel by pixel', () => {
  for (const input of ['raw', 'png'] as const) {
    for (const roi of rois) {
      for (const angle of rotations) {
        for (const how of flips) {
          for (const mode of modes) {
            const name = `${input} roi=${roi ? 'yes' : 'no'} rotate=${angle} flip=${how} ${mode}`;
            it(name, async () => {
              const size = tensorSize(mode, roi ?? { width: W, height: H }, angle);
              const info = tensorInfo('float32', [1, size.height, size.width, 3]);
              const target = new Float32Array(size.width * size.height * 3);
              const pre = createImagePreprocessor(
                config({ resize: mode, roi, rotate: angle, flip: how, padColour, mean: [0], std: [1] }), info,
              );
              const image = input === 'raw'
                ? { kind: 'raw' as const, format: 'rgb24' as const, width: W, height: H, data: raw }
                : { kind: 'encoded' as const, bytes: png };
              const geometry = await pre.run(image, target);
              const want = expected(mode, roi, angle, how, size);
              expect(Array.from(target)).toEqual(toTensor(want, { layout: 'nhwc', colour: 'rgb', dtype: 'float32', mean: [0], std: [1] }));
              expect(geometry).toMatchObject({ sourceWidth: W, sourceHeight: H, tensorWidth: size.width, tensorHeight: size.height });
              // Each non-padding tensor pixel's centre maps into the source pixel it shows.
              for (let j = 0; j < size.height; j += 1) {
                for (let i = 0; i < size.width; i += 1) {
                  const at = (j * size.width + i) * 3;
                  if (target[at + 2] !== 7) continue;
                  const p = geometry.toSource((i + 0.5) / size.width, (j + 0.5) / size.height);
                  expect([Math.floor(p.x), Math.floor(p.y)]).toEqual([target[at], target[at + 1]]);
                  expect(p.x % 1).toBeCloseTo(0.5, 9);
                  expect(p.y % 1).toBeCloseTo(0.5, 9);
                }
              }
            });
          }
        }
      }
    }
  }
});

/**
 * An obviously-correct (slow) TypeScript reference for the preprocessor's pixel paths: crop, rotate, flip, pad,
 * colour order, layout, normalisation, quantisation and YUV -> RGB, written from the definitions, one pixel at a
 * time. Images are interleaved 8-bit RGB (or 1-channel) arrays.
 */
import type { ColourOrder, Flip, Rotation, TensorLayout } from '../../src/config/types.js';

export interface RefImage {
  width: number;
  height: number;
  channels: number;
  data: number[];
}

export function pixel(img: RefImage, x: number, y: number): number[] {
  const at = (y * img.width + x) * img.channels;
  return img.data.slice(at, at + img.channels);
}

function build(width: number, height: number, channels: number, at: (x: number, y: number) => number[]): RefImage {
  const data: number[] = [];
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) data.push(...at(x, y));
  return { width, height, channels, data };
}

export function crop(img: RefImage, r: { x: number; y: number; width: number; height: number }): RefImage {
  return build(r.width, r.height, img.channels, (x, y) => pixel(img, r.x + x, r.y + y));
}

/** Clockwise rotation: after 90, the top-left pixel is at the top-right. */
export function rotate(img: RefImage, angle: Rotation): RefImage {
  const { width: w, height: h } = img;
  if (angle === 90) return build(h, w, img.channels, (x, y) => pixel(img, y, h - 1 - x));
  if (angle === 180) return build(w, h, img.channels, (x, y) => pixel(img, w - 1 - x, h - 1 - y));
  if (angle === 270) return build(h, w, img.channels, (x, y) => pixel(img, w - 1 - y, x));
  return img;
}

export function flip(img: RefImage, how: Flip): RefImage {
  if (how === 'horizontal') return build(img.width, img.height, img.channels, (x, y) => pixel(img, img.width - 1 - x, y));
  if (how === 'vertical') return build(img.width, img.height, img.channels, (x, y) => pixel(img, x, img.height - 1 - y));
  return img;
}

export function pad(img: RefImage, width: number, height: number, left: number, top: number, colour: number[]): RefImage {
  return build(width, height, img.channels, (x, y) =>
    x >= left && x < left + img.width && y >= top && y < top + img.height ? pixel(img, x - left, y - top) : colour);
}

/** Exact BT.601 luma of gamma-encoded values (not rounded). */
export function exactLuma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

export interface RefTensorSpec {
  layout: TensorLayout;
  colour: ColourOrder;
  dtype: 'uint8' | 'int8' | 'float32';
  mean: number[];
  std: number[];
  /** Without: the dtype takes the normalised value itself. */
  quantization?: { scale: number; zeroPoint: number };
}

/** One tensor value from an 8-bit value of channel c: (p - mean) / std, then quantised and clamped. */
export function quantise(p: number, c: number, spec: RefTensorSpec): number {
  const mean = spec.mean.length === 1 ? spec.mean[0]! : spec.mean[c]!;
  const std = spec.std.length === 1 ? spec.std[0]! : spec.std[c]!;
  const real = (p - mean) / std;
  if (spec.dtype === 'float32') return Math.fround(real);
  const q = spec.quantization ? Math.round(real / spec.quantization.scale) + spec.quantization.zeroPoint : Math.round(real);
  return spec.dtype === 'uint8' ? Math.min(255, Math.max(0, q)) : Math.min(127, Math.max(-128, q));
}

/** The tensor an RGB (or 1-channel) image becomes; gray uses luma rounded to the nearest level. */
export function toTensor(img: RefImage, spec: RefTensorSpec): number[] {
  const channels = spec.colour === 'gray' ? 1 : 3;
  const out = new Array<number>(img.width * img.height * channels);
  for (let y = 0; y < img.height; y += 1) {
    for (let x = 0; x < img.width; x += 1) {
      const p = pixel(img, x, y);
      const rgb = img.channels === 1 ? [p[0]!, p[0]!, p[0]!] : p;
      const values = spec.colour === 'gray' ? [img.channels === 1 ? p[0]! : Math.round(exactLuma(rgb[0]!, rgb[1]!, rgb[2]!))]
        : spec.colour === 'bgr' ? [rgb[2]!, rgb[1]!, rgb[0]!] : rgb;
      values.forEach((v, c) => {
        const at = spec.layout === 'nhwc' ? (y * img.width + x) * channels + c : c * img.width * img.height + y * img.width + x;
        out[at] = quantise(v, c, spec);
      });
    }
  }
  return out;
}

/** BT.601 limited range from its definition (Kr 0.299, Kb 0.114; Y 16-235, Cb/Cr 16-240), unrounded. */
export function exactYuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const kr = 0.299;
  const kb = 0.114;
  const kg = 1 - kr - kb;
  const yy = ((y - 16) * 255) / 219;
  const pb = ((u - 128) * 255) / 224;
  const pr = ((v - 128) * 255) / 224;
  const r = yy + 2 * (1 - kr) * pr;
  const b = yy + 2 * (1 - kb) * pb;
  const g = (yy - kr * r - kb * b) / kg;
  return [r, g, b];
}

const clip = (v: number) => Math.min(255, Math.max(0, v));

/** Samples of pixel (x, y) of a YUV frame, straight from the format's definition. */
export function yuvSample(format: 'i420' | 'nv12' | 'yuyv', w: number, h: number, data: Uint8Array, x: number, y: number): [number, number, number] {
  const cw = Math.ceil(w / 2);
  const ch = Math.ceil(h / 2);
  if (format === 'yuyv') {
    const pair = y * w * 2 + Math.floor(x / 2) * 4;
    return [data[pair + (x % 2) * 2]!, data[pair + 1]!, data[pair + 3]!];
  }
  const c = Math.floor(y / 2) * cw + Math.floor(x / 2);
  if (format === 'i420') return [data[y * w + x]!, data[w * h + c]!, data[w * h + cw * ch + c]!];
  return [data[y * w + x]!, data[w * h + 2 * c]!, data[w * h + 2 * c + 1]!];
}

/** The exact (unrounded, clipped) RGB of every pixel of a region; with `halve`, of each 2x2 block's averages. */
export function yuvRegionToRgb(
  format: 'i420' | 'nv12' | 'yuyv', w: number, h: number, data: Uint8Array,
  region: { x: number; y: number; width: number; height: number }, halve = false,
): number[] {
  const out: number[] = [];
  const step = halve ? 2 : 1;
  for (let y = region.y; y < region.y + region.height; y += step) {
    for (let x = region.x; x < region.x + region.width; x += step) {
      const samples = halve ? [[x, y], [x + 1, y], [x, y + 1], [x + 1, y + 1]] : [[x, y]];
      const yuv = samples.map(([sx, sy]) => yuvSample(format, w, h, data, sx!, sy!));
      // Averages rounded as the converter's box filter does: Y over four pixels, chroma over the two rows.
      const yAvg = Math.floor((yuv.reduce((s, p) => s + p[0], 0) + yuv.length / 2) / yuv.length);
      const uAvg = halve ? Math.floor((yuv[0]![1] + yuv[2]![1] + 1) / 2) : yuv[0]![1];
      const vAvg = halve ? Math.floor((yuv[0]![2] + yuv[2]![2] + 1) / 2) : yuv[0]![2];
      out.push(...exactYuvToRgb(yAvg, uAvg, vAvg).map(clip));
    }
  }
  return out;
}

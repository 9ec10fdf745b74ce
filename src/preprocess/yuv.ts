/**
 * Camera YUV frames to interleaved RGB, in TypeScript (sharp/libvips cannot read YUV).
 *
 * Matrix: ITU-R BT.601, limited ("studio") range, Y 16-235 and Cb/Cr 16-240 — what V4L2 webcams deliver
 * (V4L2_YCBCR_ENC_601 with V4L2_QUANTIZATION_LIM_RANGE is the default for YUYV/NV12 at SD and most USB cameras).
 * Integer arithmetic with 8 fractional bits (the usual 298/409/100/208/516 coefficients): every channel within one
 * level of the exact formula R = 1.164(Y-16) + 1.596(V-128), G = 1.164(Y-16) - 0.391(U-128) - 0.813(V-128),
 * B = 1.164(Y-16) + 2.018(U-128). Chroma is upsampled by replication (each sample covers its 2x2 or 2x1 block).
 *
 * Formats: i420 (planar Y, U, V; chroma ceil(w/2) x ceil(h/2)), nv12 (planar Y, interleaved UV at 4:2:0),
 * yuyv (packed 4:2:2, Y0 U Y1 V; even width).
 */
import type { RawPixelFormat } from '../core/frame.js';
import type { PixelRect } from './frame-plan.js';

export type YuvFormat = Extract<RawPixelFormat, 'i420' | 'nv12' | 'yuyv'>;

export function isYuvFormat(format: RawPixelFormat): format is YuvFormat {
  return format === 'i420' || format === 'nv12' || format === 'yuyv';
}

/** Bytes of one `width` x `height` frame in `format`. */
export function yuvFrameBytes(format: YuvFormat, width: number, height: number): number {
  if (format === 'yuyv') return width * height * 2;
  return width * height + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
}

// Per-value terms of the conversion, in 1/256 units; the +128 rounds.
const yTerm = new Int32Array(256);
const rFromV = new Int32Array(256);
const gFromU = new Int32Array(256);
const gFromV = new Int32Array(256);
const bFromU = new Int32Array(256);
for (let i = 0; i < 256; i += 1) {
  yTerm[i] = 298 * (i - 16) + 128;
  rFromV[i] = 409 * (i - 128);
  gFromU[i] = -100 * (i - 128);
  gFromV[i] = -208 * (i - 128);
  bFromU[i] = 516 * (i - 128);
}

/** Where a format keeps its samples: Y at yRow*y + yStep*x, U/V at off + cRow*(y >> cShift) + cStep*(x >> 1). */
interface SampleLayout {
  yRow: number;
  yStep: number;
  uOffset: number;
  vOffset: number;
  cRow: number;
  cStep: number;
  /** 1 for 4:2:0 (one chroma row per two luma rows), 0 for 4:2:2. */
  cShift: number;
}

function sampleLayout(format: YuvFormat, width: number, height: number): SampleLayout {
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const luma = width * height;
  if (format === 'i420') return { yRow: width, yStep: 1, uOffset: luma, vOffset: luma + cw * ch, cRow: cw, cStep: 1, cShift: 1 };
  if (format === 'nv12') return { yRow: width, yStep: 1, uOffset: luma, vOffset: luma + 1, cRow: 2 * cw, cStep: 2, cShift: 1 };
  return { yRow: 2 * width, yStep: 2, uOffset: 1, vOffset: 3, cRow: 2 * width, cStep: 4, cShift: 0 };
}

export interface YuvFrame {
  format: YuvFormat;
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Converts `region` of `frame` to RGB24 into `out` (region.width * region.height * 3 bytes, row after row).
 * With `halve`, each output pixel is one 2x2 block of the region (Y averaged, chroma averaged over the block's
 * rows), output (width/2) x (height/2): the region's x, y, width and height must then be even. A 2x2 block has
 * one 4:2:0 chroma sample, so this is exact box downscaling done before the conversion, at a quarter of the cost.
 */
export function yuvToRgb(frame: YuvFrame, region: PixelRect, halve: boolean, out: Uint8Array): void {
  const L = sampleLayout(frame.format, frame.width, frame.height);
  const src = frame.data;
  // Clamped stores do the 0-255 clipping.
  const rgb = new Uint8ClampedArray(out.buffer, out.byteOffset, out.byteLength);
  const { x: x0, y: y0, width: w, height: h } = region;
  const { yRow, yStep, uOffset, vOffset, cRow, cStep, cShift } = L;
  let o = 0;
  if (!halve) {
    const x1 = x0 + w;
    // Pixel pairs share one chroma sample: its three terms are looked up once per pair.
    for (let y = y0; y < y0 + h; y += 1) {
      const cBase = (y >> cShift) * cRow;
      let yi = y * yRow + x0 * yStep;
      for (let x = x0; x < x1; ) {
        const c = cBase + (x >> 1) * cStep;
        const u = src[uOffset + c]!;
        const v = src[vOffset + c]!;
        const rv = rFromV[v]!;
        const guv = gFromU[u]! + gFromV[v]!;
        const bu = bFromU[u]!;
        let yy = yTerm[src[yi]!]!;
        rgb[o] = (yy + rv) >> 8;
        rgb[o + 1] = (yy + guv) >> 8;
        rgb[o + 2] = (yy + bu) >> 8;
        o += 3;
        yi += yStep;
        // The pair's second pixel, unless the region starts on it or ends before it.
        if ((x & 1) === 0 && x + 1 < x1) {
          yy = yTerm[src[yi]!]!;
          rgb[o] = (yy + rv) >> 8;
          rgb[o + 1] = (yy + guv) >> 8;
          rgb[o + 2] = (yy + bu) >> 8;
          o += 3;
          yi += yStep;
          x += 2;
        } else {
          x += 1;
        }
      }
    }
    return;
  }
  for (let y = y0; y < y0 + h; y += 2) {
    const yBase = y * yRow;
    const c0 = (y >> cShift) * cRow;
    const c1 = ((y + 1) >> cShift) * cRow;
    for (let x = x0; x < x0 + w; x += 2) {
      const a = yBase + x * yStep;
      const ySum = src[a]! + src[a + yStep]! + src[a + yRow]! + src[a + yRow + yStep]!;
      const cx = (x >> 1) * cStep;
      const u = (src[uOffset + c0 + cx]! + src[uOffset + c1 + cx]! + 1) >> 1;
      const v = (src[vOffset + c0 + cx]! + src[vOffset + c1 + cx]! + 1) >> 1;
      const yy = yTerm[(ySum + 2) >> 2]!;
      rgb[o] = (yy + rFromV[v]!) >> 8;
      rgb[o + 1] = (yy + gFromU[u]! + gFromV[v]!) >> 8;
      rgb[o + 2] = (yy + bFromU[u]!) >> 8;
      o += 3;
    }
  }
}

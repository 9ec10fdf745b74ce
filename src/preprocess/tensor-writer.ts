/**
 * The one pass from 8-bit pixels into the input tensor: channel order (rgb / bgr / gray), layout (NHWC / NCHW),
 * letterbox padding, and normalisation + quantisation through per-channel lookup tables. Writes straight into
 * the interpreter's input view; allocates nothing per frame.
 */
import type { ColourOrder } from '../config/types.js';
import type { ImageTensor } from './image-tensor.js';

/** Typed arrays an image tensor can be (uint8, int8, float32). */
export type ImageTensorArray = Uint8Array | Int8Array | Float32Array;

/** Interleaved 8-bit pixels: `channels` bytes per pixel in `order`, rows `rowStride` bytes apart from `offset`. */
export interface PixelView {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Byte order of 3-channel pixels (bgr24 frames stay BGR until this pass). */
  order: 'rgb' | 'bgr';
  offset: number;
  rowStride: number;
}

export interface TensorWriter {
  /** Writes `view` with its top-left at (`left`, `top`) of the tensor's plane; the rest gets the pad colour. */
  write(view: PixelView, left: number, top: number, target: ImageTensorArray): void;
}

/**
 * ITU-R BT.601 luma on the gamma-encoded values, as PIL's `convert('L')` (same 16-bit integer weights) and
 * OpenCV's RGB2GRAY compute it; grey models are trained on that. libvips' b-w is linear-light luminance and
 * differs by up to ~50 levels on saturated colours, so it is not used.
 */
export function luma(r: number, g: number, b: number): number {
  return (19595 * r + 38470 * g + 7471 * b + 32768) >>> 16;
}

function fillRect(target: ImageTensorArray, base: number, step: number, rowWidth: number, x0: number, y0: number, x1: number, y1: number, value: number): void {
  for (let y = y0; y < y1; y += 1) {
    if (step === 1) {
      target.fill(value, base + y * rowWidth + x0, base + y * rowWidth + x1);
      continue;
    }
    for (let d = base + (y * rowWidth + x0) * step, end = base + (y * rowWidth + x1) * step; d < end; d += step) target[d] = value;
  }
}

/**
 * A writer for one tensor: `luts[c]` maps an 8-bit value of output channel c (in the tensor's colour order) to
 * the tensor's value; `padColour` is RGB 0-255.
 */
export function createTensorWriter(
  tensor: ImageTensor,
  colour: ColourOrder,
  luts: readonly ImageTensorArray[],
  padColour: readonly [number, number, number],
): TensorWriter {
  const { width: W, height: H, channels: C } = tensor;
  const step = tensor.layout === 'nhwc' ? C : 1;
  const plane = W * H;
  const [pr, pg, pb] = padColour;
  const pads = Array.from({ length: C }, (_, c) =>
    colour === 'gray' ? luts[0]![luma(pr, pg, pb)]! : luts[c]![(colour === 'bgr' ? padColour[2 - c] : padColour[c])!]!,
  );

  function sourceChannel(c: number, view: PixelView): number {
    if (view.channels === 1) return 0;
    const rgbIndex = colour === 'bgr' ? 2 - c : c;
    return view.order === 'bgr' ? 2 - rgbIndex : rgbIndex;
  }

  // A uint8 RGB NHWC tensor whose tables change nothing (e.g. the COCO SSD: mean 127.5, std 127.5, scale 1/128,
  // zero point 128) takes RGB rows as they are: one copy a row instead of a table lookup a byte (0.6 ms of JS for
  // 300x300 in the video-stages benchmark).
  const copiesRows = tensor.dtype === 'uint8' && tensor.layout === 'nhwc' && C === 3 && colour === 'rgb' &&
    luts.every((lut) => lut.every((value, i) => value === i));

  function pad(c: number, left: number, top: number, vw: number, vh: number, target: ImageTensorArray): void {
    const base = tensor.layout === 'nhwc' ? c : c * plane;
    if (top > 0) fillRect(target, base, step, W, 0, 0, W, top, pads[c]!);
    if (top + vh < H) fillRect(target, base, step, W, 0, top + vh, W, H, pads[c]!);
    if (left > 0) fillRect(target, base, step, W, 0, top, left, top + vh, pads[c]!);
    if (left + vw < W) fillRect(target, base, step, W, left + vw, top, W, top + vh, pads[c]!);
  }

  return {
    write(view: PixelView, left: number, top: number, target: ImageTensorArray): void {
      const { data, width: vw, height: vh, channels: vc, rowStride } = view;
      if (left < 0 || top < 0 || left + vw > W || top + vh > H) {
        throw new Error(`internal: a ${vw}x${vh} image at (${left}, ${top}) does not fit the ${W}x${H} tensor`);
      }
      if (copiesRows && vc === 3 && view.order === 'rgb') {
        for (let c = 0; c < C; c += 1) pad(c, left, top, vw, vh, target);
        const rowBytes = vw * 3;
        for (let y = 0; y < vh; y += 1) {
          const s = view.offset + y * rowStride;
          target.set(data.subarray(s, s + rowBytes), ((top + y) * W + left) * 3);
        }
        return;
      }
      for (let c = 0; c < C; c += 1) {
        const base = tensor.layout === 'nhwc' ? c : c * plane;
        const lut = luts[c]!;
        pad(c, left, top, vw, vh, target);
        if (colour === 'gray' && vc === 3) {
          // Luma weights in the view's byte order.
          const [w0, w2] = view.order === 'bgr' ? [7471, 19595] : [19595, 7471];
          for (let y = 0; y < vh; y += 1) {
            let d = base + ((top + y) * W + left) * step;
            let s = view.offset + y * rowStride;
            for (let x = 0; x < vw; x += 1, d += step, s += 3) {
              target[d] = lut[(w0 * data[s]! + 38470 * data[s + 1]! + w2 * data[s + 2]! + 32768) >>> 16]!;
            }
          }
          continue;
        }
        const channel = sourceChannel(c, view);
        for (let y = 0; y < vh; y += 1) {
          let d = base + ((top + y) * W + left) * step;
          let s = view.offset + y * rowStride + channel;
          for (let x = 0; x < vw; x += 1, d += step, s += vc) target[d] = lut[data[s]!]!;
        }
      }
    },
  };
}

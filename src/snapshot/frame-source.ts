/**
 * A frame payload as an upright sRGB image that sharp can resize: encoded images turned upright by their EXIF
 * orientation exactly as the preprocessor does (results are in upright source pixels), raw YUV converted with
 * the preprocessor's BT.601 conversion, BGR reordered, gray expanded.
 */
import sharp, { type Matrix3x3, type Sharp } from 'sharp';
import type { ImagePayload } from '../core/frame.js';
import { checkRawFrame } from '../preprocess/raw-frame.js';
import { isYuvFormat, yuvToRgb } from '../preprocess/yuv.js';

export interface SnapshotSource {
  /** Upright size: the space result coordinates are in. */
  readonly width: number;
  readonly height: number;
  /** The image as 3-channel RGB, `width` x `height` bytes x 3, resized to `width` x `height`. */
  rgb(width: number, height: number): Promise<Buffer>;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Swaps B and R in libvips' worker threads instead of a JS loop over every pixel.
const SWAP_RB: Matrix3x3 = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

async function toRgb(image: Sharp, width: number, height: number): Promise<Buffer> {
  const { data, info } = await image
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`sharp produced ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return data;
}

async function encodedSource(bytes: Buffer): Promise<SnapshotSource> {
  const { width, height } = (await sharp(bytes).metadata()).autoOrient;
  return { width, height, rgb: (w, h) => toRgb(sharp(bytes).autoOrient(), w, h) };
}

/**
 * `shrinkTo` is the largest width the snapshot will use: a YUV frame at least twice as wide is converted at half
 * size (the conversion's exact 2x2 box filter), a quarter of the JS work on the event loop.
 */
function rawSource(image: Extract<ImagePayload, { kind: 'raw' }>, shrinkTo: number): SnapshotSource {
  checkRawFrame(image);
  const { format, width, height } = image;
  if (!isYuvFormat(format)) {
    const data = asBuffer(image.data);
    const channels = format === 'gray8' ? 1 : 3;
    return {
      width,
      height,
      rgb(w, h) {
        // The frame itself when nothing is to change (an rgb24 frame within maxWidth: no copy, no libvips call).
        if (format === 'rgb24' && w === width && h === height) return Promise.resolve(data);
        const source = sharp(data, { raw: { width, height, channels } });
        return toRgb(format === 'bgr24' ? source.recomb(SWAP_RB) : source, w, h);
      },
    };
  }
  const halve = width % 2 === 0 && height % 2 === 0 && width >= 2 * shrinkTo;
  const rgbWidth = halve ? width / 2 : width;
  const rgbHeight = halve ? height / 2 : height;
  const rgb = Buffer.allocUnsafe(rgbWidth * rgbHeight * 3);
  yuvToRgb({ format, width, height, data: image.data }, { x: 0, y: 0, width, height }, halve, rgb);
  return {
    width,
    height,
    rgb(w, h) {
      if (w === rgbWidth && h === rgbHeight) return Promise.resolve(rgb);
      return toRgb(sharp(rgb, { raw: { width: rgbWidth, height: rgbHeight, channels: 3 } }), w, h);
    },
  };
}

/** Rejects for an undecodable image or a raw frame that does not match its declared format and size. */
export async function openSnapshotSource(payload: ImagePayload, shrinkTo: number): Promise<SnapshotSource> {
  if (payload.kind === 'raw') return rawSource(payload, shrinkTo);
  if (payload.kind !== 'encoded') throw new Error(`a ${String((payload as { kind?: unknown }).kind)} payload is not an image`);
  if (!(payload.bytes instanceof Uint8Array)) throw new Error(`encoded bytes must be a Uint8Array, got ${typeof payload.bytes}`);
  return encodedSource(asBuffer(payload.bytes));
}

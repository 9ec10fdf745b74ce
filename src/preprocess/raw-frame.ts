/**
 * Checks a raw frame from a source against its declared format and size, before any pixel is read.
 */
import type { RawPixelFormat } from '../core/frame.js';
import { EdgepipeError } from '../runtime/errors.js';
import { isYuvFormat, yuvFrameBytes } from './yuv.js';

export interface RawImage {
  format: RawPixelFormat;
  width: number;
  height: number;
  data: Uint8Array;
}

const bytesPerPixel: Record<'rgb24' | 'bgr24' | 'gray8', number> = { rgb24: 3, bgr24: 3, gray8: 1 };

/** Bytes of a `width` x `height` frame in `format` (no row padding). */
export function rawFrameBytes(format: RawPixelFormat, width: number, height: number): number {
  return isYuvFormat(format) ? yuvFrameBytes(format, width, height) : width * height * bytesPerPixel[format];
}

function badFrame(message: string): EdgepipeError {
  return new EdgepipeError('ERR_RAW_FRAME', `raw frame: ${message}`);
}

/** Throws ERR_RAW_FRAME (exit code 1: a source bug) for an unknown format, a bad size or a wrong byte count. */
export function checkRawFrame(image: RawImage): void {
  const { format, width, height, data } = image;
  if (!['rgb24', 'bgr24', 'gray8', 'i420', 'nv12', 'yuyv'].includes(format)) {
    throw badFrame(`format ${JSON.stringify(format)} is not one of rgb24, bgr24, gray8, i420, nv12, yuyv`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw badFrame(`${format} size ${width}x${height} is not a positive integer size`);
  }
  if (format === 'yuyv' && width % 2 !== 0) throw badFrame(`yuyv needs an even width (pixel pairs share U and V), got ${width}`);
  if (!(data instanceof Uint8Array)) throw badFrame(`data must be a Uint8Array, got ${Object.prototype.toString.call(data)}`);
  const expected = rawFrameBytes(format, width, height);
  if (data.byteLength !== expected) {
    throw badFrame(`${format} ${width}x${height} takes ${expected} bytes but data has ${data.byteLength}`);
  }
}

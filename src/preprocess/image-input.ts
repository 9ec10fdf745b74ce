/**
 * Encoded images (JPEG, PNG, WebP) into an image input tensor with sharp: resize to the tensor's size, RGB or
 * grey, NHWC or NCHW, per-channel normalisation and quantisation through lookup tables.
 */
import sharp from 'sharp';
import { EdgepipeError } from '../runtime/errors.js';
import type { TensorArray } from '../runtime/dtypes.js';
import { describeTensor, type TensorInfo } from '../runtime/tensor.js';
import { buildPixelLut, defaultNormalization, type PixelNormalization } from './pixel-lut.js';

export type Layout = 'nhwc' | 'nchw';
export type ResizeFit = 'fill' | 'contain' | 'cover';

export interface ImageTensorShape {
  width: number;
  height: number;
  channels: 1 | 3;
  layout: Layout;
}

/** Reads an image tensor's geometry: [1,H,W,C] or [1,C,H,W] (or [H,W,C]) with 1 or 3 channels. */
export function imageTensorShape(info: TensorInfo): ImageTensorShape {
  const shape = info.shape.length === 3 ? [1, ...info.shape] : info.shape;
  const isChannels = (n: number | undefined): n is 1 | 3 => n === 1 || n === 3;
  if (shape.length === 4 && shape[0] === 1) {
    const [, a, b, c] = shape as [number, number, number, number];
    if (isChannels(c)) return { height: a, width: b, channels: c, layout: 'nhwc' };
    if (isChannels(a)) return { height: b, width: c, channels: a, layout: 'nchw' };
  }
  throw new EdgepipeError(
    'ERR_NOT_AN_IMAGE_INPUT',
    `input "${info.name}" is ${describeTensor(info)}, not an image tensor ([1,H,W,C] or [1,C,H,W] with C = 1 or 3)`,
    { exitCode: 2 },
  );
}

export interface ImageInputOptions {
  normalization?: PixelNormalization;
  fit?: ResizeFit;
}

/** Decodes `image`, resizes it and writes it into `target` (the interpreter's input view). */
export async function writeImageInput(
  image: string | Uint8Array,
  info: TensorInfo,
  target: TensorArray,
  options: ImageInputOptions = {},
): Promise<void> {
  const geometry = imageTensorShape(info);
  if (info.dtype !== 'uint8' && info.dtype !== 'int8' && info.dtype !== 'float32') {
    throw new EdgepipeError('ERR_DTYPE', `input "${info.name}" has dtype ${info.dtype}; images go into uint8, int8 or float32`, {
      exitCode: 2,
    });
  }
  let pipeline = sharp(image).resize(geometry.width, geometry.height, { fit: options.fit ?? 'fill' });
  pipeline = geometry.channels === 1 ? pipeline.grayscale() : pipeline.removeAlpha().toColourspace('srgb');
  const { data } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const normalization = options.normalization ?? defaultNormalization(info.dtype, info.quantization);
  const luts = buildPixelLut(info.dtype, geometry.channels, normalization, info.quantization);
  const plane = geometry.width * geometry.height;
  const channels = geometry.channels;
  for (let c = 0; c < channels; c += 1) {
    const lut = luts[c]!;
    for (let i = 0; i < plane; i += 1) {
      const at = geometry.layout === 'nhwc' ? i * channels + c : c * plane + i;
      (target as Float32Array)[at] = lut[data[i * channels + c]!]!;
    }
  }
}

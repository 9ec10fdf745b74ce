/**
 * One encoded image (JPEG, PNG, WebP) into an image input tensor, for `edgepipe infer` and the demo: the image
 * preprocessor with a default config (stretch to the tensor, RGB or grey, layout from the shape).
 */
import { readFile } from 'node:fs/promises';
import type { PreprocessConfig } from '../config/types.js';
import type { TensorArray } from '../runtime/dtypes.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { createImagePreprocessor } from './image-preprocessor.js';
import { resolveImageTensor } from './image-tensor.js';
import type { PixelNormalization } from './pixel-lut.js';
import type { ImageGeometry } from '../core/geometry.js';

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
  const { tensor, problems } = resolveImageTensor(info);
  if (!tensor) throw new EdgepipeError('ERR_PREPROCESS_MISMATCH', problems.join('; '), { exitCode: 2 });
  return { width: tensor.width, height: tensor.height, channels: tensor.channels, layout: tensor.layout };
}

export interface ImageInputOptions {
  /** Per-channel mean/std on the 0-255 scale; default the dtype's mapping (`defaultNormalization`). */
  normalization?: PixelNormalization;
  /** Default `fill` (stretch). */
  fit?: ResizeFit;
}

/** The config `writeImageInput` uses: no region, rotation or flip, black letterbox. */
export function defaultPreprocessConfig(resize: ResizeFit = 'fill'): PreprocessConfig {
  return { resize, padColour: [0, 0, 0], rotate: 0, flip: 'none' };
}

/** Decodes `image` (a file path or encoded bytes), resizes it and writes it into `target` (the input's view). */
export async function writeImageInput(
  image: string | Uint8Array,
  info: TensorInfo,
  target: TensorArray,
  options: ImageInputOptions = {},
): Promise<ImageGeometry> {
  const preprocessor = createImagePreprocessor(defaultPreprocessConfig(options.fit), info, { normalization: options.normalization });
  const bytes = typeof image === 'string' ? await readFile(image) : image;
  return preprocessor.run({ kind: 'encoded', bytes }, target);
}

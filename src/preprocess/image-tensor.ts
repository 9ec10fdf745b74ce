/**
 * Reads an input tensor as an image plane: [1,H,W,C] (NHWC) or [1,C,H,W] (NCHW) with C = 1 or 3, dtype uint8,
 * int8 or float32. Rank-3 shapes ([H,W,C], [C,H,W]) are read as a batch of one.
 */
import type { TensorLayout } from '../config/types.js';
import { describeTensor, type TensorInfo } from '../runtime/tensor.js';

export type ImageDtype = 'uint8' | 'int8' | 'float32';

export interface ImageTensor {
  width: number;
  height: number;
  channels: 1 | 3;
  layout: TensorLayout;
  dtype: ImageDtype;
}

/** `the model's input "image" is uint8 [1,224,224,3]`: the tail of every mismatch message. */
export function describeInput(info: TensorInfo): string {
  return `the model's input "${info.name}" is ${describeTensor(info)}`;
}

function isImageDtype(dtype: string): dtype is ImageDtype {
  return dtype === 'uint8' || dtype === 'int8' || dtype === 'float32';
}

const isChannels = (n: number | undefined): n is 1 | 3 => n === 1 || n === 3;

/**
 * The image plane of `info`, or the problems that keep it from being one. With `layout` given, only that layout
 * is accepted; without it NHWC wins when both read (e.g. [1,3,8,3]).
 */
export function resolveImageTensor(
  info: TensorInfo,
  layout?: TensorLayout,
): { tensor: ImageTensor; problems: [] } | { tensor: undefined; problems: string[] } {
  const problems: string[] = [];
  if (!isImageDtype(info.dtype)) {
    problems.push(`preprocess: ${describeInput(info)}; images go into uint8, int8 or float32 inputs`);
  }
  const shape = info.shape.length === 3 ? [1, ...info.shape] : info.shape;
  const [batch, a, b, c] = shape;
  const positive = shape.length === 4 && shape.every((d) => Number.isInteger(d) && d >= 1);
  const nhwc = positive && batch === 1 && isChannels(c);
  const nchw = positive && batch === 1 && isChannels(a);
  if (!nhwc && !nchw) {
    problems.push(`preprocess: ${describeInput(info)}, not an image ([1,H,W,C] or [1,C,H,W] with C = 1 or 3)`);
  } else if (layout === 'nhwc' && !nhwc) {
    problems.push(`preprocess.layout: "nhwc" needs the channels (1 or 3) last, [1,H,W,C], but ${describeInput(info)}`);
  } else if (layout === 'nchw' && !nchw) {
    problems.push(`preprocess.layout: "nchw" needs the channels (1 or 3) second, [1,C,H,W], but ${describeInput(info)}`);
  }
  if (problems.length > 0 || !isImageDtype(info.dtype)) return { tensor: undefined, problems };
  const chosen: TensorLayout = layout ?? (nhwc ? 'nhwc' : 'nchw');
  const tensor: ImageTensor =
    chosen === 'nhwc'
      ? { height: a!, width: b!, channels: c as 1 | 3, layout: 'nhwc', dtype: info.dtype }
      : { height: b!, width: c!, channels: a as 1 | 3, layout: 'nchw', dtype: info.dtype };
  return { tensor, problems: [] };
}

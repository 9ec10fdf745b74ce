/** Reading single real values out of output tensors without dequantising whole tensors. */
import { isSupportedDtype, type TensorArray } from '../runtime/dtypes.js';
import type { Quantization, TensorInfo } from '../runtime/tensor.js';

/** Affine parameters to turn a stored value into a real one (identity for unquantised tensors). */
export interface Affine {
  scale: number;
  zeroPoint: number;
}

/** real = scale * (q - zeroPoint); a missing or zero scale means the values are real already. */
export function affineOf(quantization: Quantization | null): Affine {
  return quantization !== null && quantization.scale > 0
    ? { scale: quantization.scale, zeroPoint: quantization.zeroPoint }
    : { scale: 1, zeroPoint: 0 };
}

/** The real value of element `i` (int64 elements go through Number()). */
export function realAt(values: TensorArray, affine: Affine, i: number): number {
  return (Number(values[i]) - affine.zeroPoint) * affine.scale;
}

/** Whether edgepipe can read the tensor's elements as numbers. */
export function isNumeric(info: TensorInfo): boolean {
  return isSupportedDtype(info.dtype) && info.dtype !== 'bool';
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Whether the shape is one vector of `n` > 0 elements with every other dimension 1 ([1,C], [C], [1,1,1,C]). */
export function vectorLength(shape: readonly number[]): number | undefined {
  if (shape.length === 0) return undefined;
  const last = shape[shape.length - 1]!;
  return last > 0 && shape.slice(0, -1).every((d) => d === 1) ? last : undefined;
}

/** Whether `shape` equals `expected`, where -1 in `expected` matches any dimension. */
export function shapeMatches(shape: readonly number[], expected: readonly number[]): boolean {
  return shape.length === expected.length && expected.every((d, i) => d === -1 || d === shape[i]);
}

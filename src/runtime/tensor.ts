import type { Dtype } from './dtypes.js';

/** Affine quantisation: real = scale * (q - zeroPoint). Per-channel models list one pair per slice of `axis`. */
export interface Quantization {
  scale: number;
  zeroPoint: number;
  scales: number[];
  zeroPoints: number[];
  axis: number;
}

/** An interpreter input or output as TFLite reports it after allocation. */
export interface TensorInfo {
  index: number;
  name: string;
  /** A `Dtype`, or another TFLite type name ('string', 'float16', ...) that edgepipe does not map to an array. */
  dtype: Dtype | string;
  shape: number[];
  bytes: number;
  quantization: Quantization | null;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function describeTensor(t: TensorInfo): string {
  return `${t.dtype} ${formatShape(t.shape)}`;
}

/** Tensor element types edgepipe reads and writes as typed arrays. */
export type Dtype = 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool';

export type TensorArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

const constructors = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  float32: Float32Array,
  float64: Float64Array,
  // TFLite stores bool as one byte per element.
  bool: Uint8Array,
} as const;

export function isSupportedDtype(name: string): name is Dtype {
  return Object.hasOwn(constructors, name);
}

/** A typed array of the dtype over `buffer` (no copy). */
export function typedView(dtype: Dtype, buffer: ArrayBuffer): TensorArray {
  const Ctor = constructors[dtype];
  return new Ctor(buffer);
}

export function bytesPerElement(dtype: Dtype): number {
  return constructors[dtype].BYTES_PER_ELEMENT;
}

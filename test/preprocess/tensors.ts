/** TensorInfo fixtures for preprocessor tests. */
import type { PreprocessConfig } from '../../src/config/types.js';
import type { TensorInfo } from '../../src/runtime/tensor.js';

export function tensorInfo(
  dtype: string,
  shape: number[],
  quantization?: { scale: number; zeroPoint: number },
  name = 'image',
): TensorInfo {
  const elements = shape.reduce((a, b) => a * b, 1);
  return {
    index: 0,
    name,
    dtype,
    shape,
    bytes: elements * (dtype === 'float32' ? 4 : 1),
    quantization: quantization
      ? { ...quantization, scales: [quantization.scale], zeroPoints: [quantization.zeroPoint], axis: 0 }
      : null,
  };
}

/** An image tensor's view for `info`. */
export function targetFor(info: TensorInfo): Uint8Array | Int8Array | Float32Array {
  const n = info.shape.reduce((a, b) => a * b, 1);
  return info.dtype === 'float32' ? new Float32Array(n) : info.dtype === 'int8' ? new Int8Array(n) : new Uint8Array(n);
}

export function config(overrides: Partial<PreprocessConfig> = {}): PreprocessConfig {
  return { resize: 'fill', padColour: [0, 0, 0], rotate: 0, flip: 'none', ...overrides };
}

/** Deterministic pseudo-random bytes. */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i += 1) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

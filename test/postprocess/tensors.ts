import { expect } from 'vitest';
/** Hand-made output tensors and image geometries for postprocessor tests. */
import type { Dtype, TensorArray } from '../../src/runtime/dtypes.js';
import type { Quantization, TensorInfo } from '../../src/runtime/tensor.js';
import type { ImageGeometry } from '../../src/core/geometry.js';
import type { OutputTensors } from '../../src/postprocess/types.js';

export interface TestTensor {
  info: TensorInfo;
  values: TensorArray;
}

export function quantization(scale: number, zeroPoint: number): Quantization {
  return { scale, zeroPoint, scales: [scale], zeroPoints: [zeroPoint], axis: 0 };
}

const arrays = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/**
 * A tensor holding `real` values: stored as they are for float and unquantised integer dtypes, quantised with
 * `q` (round(r / scale) + zeroPoint, saturated) otherwise. int64 gets a BigInt64Array.
 */
export function tensor(name: string, dtype: Dtype, shape: number[], real: ArrayLike<number>, q: Quantization | null = null): TestTensor {
  const count = shape.reduce((n, d) => n * d, 1);
  if (real.length !== count) throw new Error(`${name}: ${real.length} values for shape [${shape.join(',')}]`);
  const stored = Array.from(real, (r) => (q === null ? r : Math.round(r / q.scale) + q.zeroPoint));
  let values: TensorArray;
  if (dtype === 'int64') values = BigInt64Array.from(stored, (v) => BigInt(v));
  else if (dtype === 'bool') values = Uint8Array.from(stored);
  else {
    const Ctor = arrays[dtype];
    if (dtype === 'int8') values = Int8Array.from(stored, (v) => Math.max(-128, Math.min(127, v)));
    else if (dtype === 'uint8') values = Uint8Array.from(stored, (v) => Math.max(0, Math.min(255, v)));
    else values = Ctor.from(stored);
  }
  const info: TensorInfo = { index: 0, name, dtype, shape, bytes: values.byteLength, quantization: q };
  return { info, values };
}

/** Only the description of an output, for factory checks. */
export function info(name: string, dtype: string, shape: number[], q: Quantization | null = null): TensorInfo {
  return { index: 0, name, dtype, shape, bytes: 0, quantization: q };
}

export function outputsOf(...tensors: TestTensor[]): { infos: TensorInfo[]; tensors: OutputTensors } {
  const infos = tensors.map((t, index) => ({ ...t.info, index }));
  return { infos, tensors: { infos, values: tensors.map((t) => t.values) } };
}

/** `fit: 'fill'`: the tensor stretches over the whole source image. */
export function fillGeometry(sourceWidth: number, sourceHeight: number, tensorWidth: number, tensorHeight: number): ImageGeometry {
  return {
    sourceWidth,
    sourceHeight,
    tensorWidth,
    tensorHeight,
    toSource: (nx, ny) => ({ x: nx * sourceWidth, y: ny * sourceHeight }),
  };
}

/** `fit: 'contain'`: the source scaled to fit, centred, with pad bars (letterbox). */
export function letterboxGeometry(sourceWidth: number, sourceHeight: number, tensorWidth: number, tensorHeight: number): ImageGeometry {
  const scale = Math.min(tensorWidth / sourceWidth, tensorHeight / sourceHeight);
  const padX = (tensorWidth - sourceWidth * scale) / 2;
  const padY = (tensorHeight - sourceHeight * scale) / 2;
  return {
    sourceWidth,
    sourceHeight,
    tensorWidth,
    tensorHeight,
    toSource: (nx, ny) => ({ x: (nx * tensorWidth - padX) / scale, y: (ny * tensorHeight - padY) / scale }),
  };
}

/**
 * The source rotated 90 degrees clockwise, then stretched over the tensor: source point (x, y) lands at
 * (H - y, x) in the rotated image (H wide, W tall), so tensor point (nx, ny) comes from source (ny * W, H - nx * H).
 */
export function rotated90Geometry(sourceWidth: number, sourceHeight: number, tensorWidth: number, tensorHeight: number): ImageGeometry {
  return {
    sourceWidth,
    sourceHeight,
    tensorWidth,
    tensorHeight,
    toSource: (nx, ny) => ({ x: ny * sourceWidth, y: sourceHeight - nx * sourceHeight }),
  };
}

/** The message of the ERR_POSTPROCESS_MISMATCH (exit code 2) that `fn` throws. */
export function mismatchMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    const e = error as { code?: unknown; exitCode?: unknown; message?: unknown; name?: unknown };
    if (e.name !== 'EdgepipeError' || e.code !== 'ERR_POSTPROCESS_MISMATCH' || e.exitCode !== 2) throw error;
    return String(e.message);
  }
  throw new Error('expected ERR_POSTPROCESS_MISMATCH, nothing was thrown');
}

/** The result of a synchronous run, narrowed to its kind. */
export function sync<R>(result: R | Promise<R>): R {
  if (result instanceof Promise) throw new Error('expected a synchronous result');
  return result;
}

/** An asymmetric matcher for a box within 1e-3 px (float32 tensors carry ~1e-7 relative error). */
export function approxBox(x: number, y: number, width: number, height: number): Record<string, unknown> {
  const near = (v: number) => expect.closeTo(v, 3);
  return { x: near(x), y: near(y), width: near(width), height: near(height) };
}

// Shared pieces of the test model builders: result types, I/O descriptions, calibration.
import { writeModel, type ModelSpec, type TensorSpec, type TensorTypeName } from '../../../src/tflite/index.js';
import type { QuantizedMultiplier } from '../reference/fixedpoint.js';
import type { QuantType } from '../reference/kernels.js';
import { calibrate } from '../reference/random.js';

/** Name, type, shape and quantisation of a model input or output. */
export interface TensorDescription {
  readonly name: string;
  readonly type: TensorTypeName;
  readonly shape: readonly number[];
  readonly scale?: number;
  readonly zeroPoint?: number;
}

/** A written model with its I/O description and a reference implementation. */
export interface TestModel<In extends unknown[], Out> {
  readonly bytes: Uint8Array;
  readonly spec: ModelSpec;
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
  /** Exactly what TFLite's builtin CPU kernels return for these inputs. */
  reference(...inputs: In): Out;
}

/** A classifier that carries TFLITE_METADATA (normalisation 127.5/127.5) and packed labels. */
export interface ClassifierModel<T> extends TestModel<[T], T> {
  readonly labels: readonly string[];
}

export const FULL_RANGE: readonly [number, number] = [-2147483648, 2147483647];
export const IDENTITY: QuantizedMultiplier = { multiplier: 1 << 30, shift: 1 }; // quantizeMultiplier(1): returns raw accumulators
export const f = Math.fround;

export function describeTensors(specs: readonly TensorSpec[], names: readonly string[]): TensorDescription[] {
  return names.map((n) => {
    const t = specs.find((s) => s.name === n);
    if (t === undefined) throw new Error(`no tensor ${n}`);
    const q = t.quantization;
    return { name: t.name, type: t.type, shape: t.shape, ...(q === undefined ? {} : { scale: q.scale[0], zeroPoint: q.zeroPoint[0] }) };
  });
}

export function build<In extends unknown[], Out>(spec: ModelSpec, reference: (...inputs: In) => Out): TestModel<In, Out> {
  return { bytes: writeModel(spec), spec, inputs: describeTensors(spec.tensors, spec.inputs), outputs: describeTensors(spec.tensors, spec.outputs), reference };
}

export const q1 = (scale: number, zeroPoint: number): { scale: number[]; zeroPoint: number[] } => ({ scale: [scale], zeroPoint: [zeroPoint] });
export const toInt8 = (v: Int32Array): Int8Array => Int8Array.from(v);
export const toUint8 = (v: Int32Array): Uint8Array => Uint8Array.from(v);

/** Calibrated output quantisation of a layer from its raw accumulators (real = acc * accScale). */
export function calibrateAccumulators(
  accs: readonly Int32Array[], accScale: (i: number) => number, type: QuantType, relu: boolean,
): { scale: number; zeroPoint: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const acc of accs) acc.forEach((a, i) => { const v = a * accScale(i); min = Math.min(min, v); max = Math.max(max, v); });
  return calibrate(relu ? 0 : min, max, type);
}


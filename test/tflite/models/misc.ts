// Test models for runtime edge cases: an unresolvable custom op, float<->int8 conversion, and a
// passthrough model with one input per element type.
import { writeModel, type ModelSpec, type TensorSpec, type TensorTypeName } from '../../../src/tflite/index.js';
import { dequantize, quantize } from '../reference/kernels.js';
import { build, describeTensors, f, q1, toInt8, type TensorDescription, type TestModel } from './common.js';

/**
 * uint8 [1,3] → CUSTOM `name` → float32 [1,3]. TFLite cannot resolve the op, so creating an
 * interpreter (or allocating tensors) fails with an error naming it.
 */
export function customOpModel(name: string): { bytes: Uint8Array; spec: ModelSpec; customOp: string } {
  const spec: ModelSpec = {
    tensors: [
      { name: 'input', type: 'uint8', shape: [1, 3] },
      { name: 'output', type: 'float32', shape: [1, 3] },
    ],
    operators: [{ op: 'CUSTOM', customCode: name, inputs: ['input'], outputs: ['output'] }],
    inputs: ['input'],
    outputs: ['output'],
  };
  return { bytes: writeModel(spec), spec, customOp: name };
}

/**
 * float32 [1,16] → QUANTIZE (int8; default scale 0.02, zero point 3) → DEQUANTIZE → float32;
 * outputs both the int8 and the float tensor.
 */
export function int8QuantizeDequantize(o: { scale?: number; zeroPoint?: number } = {}): TestModel<[Float32Array], [Int8Array, Float32Array]> {
  const scale = f(o.scale ?? 0.02);
  const zeroPoint = o.zeroPoint ?? 3;
  const spec: ModelSpec = {
    tensors: [
      { name: 'input', type: 'float32', shape: [1, 16] },
      { name: 'quantized', type: 'int8', shape: [1, 16], quantization: q1(scale, zeroPoint) },
      { name: 'dequantized', type: 'float32', shape: [1, 16] },
    ],
    operators: [
      { op: 'QUANTIZE', inputs: ['input'], outputs: ['quantized'] },
      { op: 'DEQUANTIZE', inputs: ['quantized'], outputs: ['dequantized'] },
    ],
    inputs: ['input'],
    outputs: ['quantized', 'dequantized'],
  };
  return build(spec, (x: Float32Array) => {
    const q = toInt8(quantize(x, scale, zeroPoint, 'int8'));
    return [q, dequantize(q, scale, zeroPoint)];
  });
}

/** Typed arrays accepted by multiDtypeModel, in its input order. */
export type PassthroughArray = Float32Array | Int32Array | Uint8Array | BigInt64Array | Int16Array | Int8Array;

const PASSTHROUGH_TYPES: readonly TensorTypeName[] = ['float32', 'int32', 'uint8', 'int64', 'bool', 'int16', 'int8'];

/**
 * One [2,3] input per type (float32, int32, uint8, int64, bool, int16, int8), each RESHAPEd to an
 * output [3,2] of the same type: the output bytes equal the input bytes. bool is one byte (0/1),
 * passed as Uint8Array.
 */
export function multiDtypeModel(): {
  bytes: Uint8Array; spec: ModelSpec; types: readonly TensorTypeName[];
  inputs: readonly TensorDescription[]; outputs: readonly TensorDescription[];
  reference(inputs: readonly PassthroughArray[]): PassthroughArray[];
} {
  const tensors: TensorSpec[] = [];
  for (const t of PASSTHROUGH_TYPES) {
    tensors.push({ name: `in_${t}`, type: t, shape: [2, 3] }, { name: `out_${t}`, type: t, shape: [3, 2] });
  }
  const spec: ModelSpec = {
    tensors,
    operators: PASSTHROUGH_TYPES.map((t) => ({ op: 'RESHAPE' as const, inputs: [`in_${t}`], outputs: [`out_${t}`] })),
    inputs: PASSTHROUGH_TYPES.map((t) => `in_${t}`),
    outputs: PASSTHROUGH_TYPES.map((t) => `out_${t}`),
  };
  return {
    bytes: writeModel(spec),
    spec,
    types: PASSTHROUGH_TYPES,
    inputs: describeTensors(spec.tensors, spec.inputs),
    outputs: describeTensors(spec.tensors, spec.outputs),
    reference: (inputs) => inputs.map((a) => a.slice()),
  };
}

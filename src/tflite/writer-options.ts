// The builtin option tables of a ModelSpec operator, as the GraphOptions that writeModelGraph() writes: scalar
// tables are laid out here as the inline bytes a flatbuffers Builder would write, so that the one .tflite
// emitter (graph-writer.ts) serves both the spec writer and the model rewriter. Field slots and defaults follow
// tensorflow/compiler/mlir/lite/schema/schema.fbs.
import type { GraphOptions } from './model-graph.js';
import { ACTIVATION_NAMES, BuiltinOptionsType, PADDING_NAMES, type ActivationName, type PaddingName } from './schema.js';
import type { OperatorSpec, TensorSpec } from './writer-spec.js';

/** One scalar field of an option table; it is left out (reads as `omitWhen`) when its value equals `omitWhen`. */
interface ScalarField {
  readonly slot: number;
  readonly type: 'int8' | 'int32' | 'float32';
  readonly value: number;
  readonly omitWhen: number;
}

/**
 * A scalar-only table as {inline bytes, vtable field offsets}: 4-byte fields first (4-aligned, since the table
 * start is), then 1-byte fields, padded to 4 bytes as the Builder pads; trailing absent slots trimmed as it does.
 */
function scalarTable(unionType: number, fields: readonly ScalarField[]): GraphOptions {
  const present = fields.filter((f) => f.value !== f.omitWhen);
  const ordered = [...present.filter((f) => f.type !== 'int8'), ...present.filter((f) => f.type === 'int8')];
  const size = ordered.reduce((n, f) => n + (f.type === 'int8' ? 1 : 4), 0);
  const inline = new Uint8Array(Math.ceil(size / 4) * 4);
  const view = new DataView(inline.buffer);
  const slots = Math.max(0, ...present.map((f) => f.slot + 1));
  const fieldOffsets = new Array<number>(slots).fill(0);
  let at = 0;
  for (const f of ordered) {
    if (f.type === 'int8') view.setInt8(at, f.value);
    else if (f.type === 'int32') view.setInt32(at, f.value, true);
    else view.setFloat32(at, f.value, true);
    fieldOffsets[f.slot] = 4 + at; // offsets count from the table start, whose first 4 bytes point to the vtable
    at += f.type === 'int8' ? 1 : 4;
  }
  return { unionType, kind: 'raw', inline, fieldOffsets };
}

const int8 = (slot: number, value: number, omitWhen = 0): ScalarField => ({ slot, type: 'int8', value, omitWhen });
const int32 = (slot: number, value: number, omitWhen = 0): ScalarField => ({ slot, type: 'int32', value, omitWhen });
const act = (a: ActivationName | undefined): number => ACTIVATION_NAMES.indexOf(a ?? 'NONE');
const pad = (p: PaddingName | undefined): number => PADDING_NAMES.indexOf(p ?? 'SAME');

/** Output channels / input channels, from the filter [1, h, w, out] and input [n, h, w, in] shapes. */
function depthMultiplier(inputs: readonly (string | null)[], tensorOf: (name: string) => TensorSpec | undefined): number {
  const [input, filter] = inputs.map((n) => (n === null ? undefined : tensorOf(n)?.shape));
  const channels = input?.[3];
  const outputs = filter?.[3];
  return channels !== undefined && outputs !== undefined && channels > 0 ? Math.max(1, Math.floor(outputs / channels)) : 1;
}

/** The option table of `op`, or undefined for operators without one (LOGISTIC, CUSTOM). */
export function operatorOptions(op: OperatorSpec, tensorOf: (name: string) => TensorSpec | undefined): GraphOptions | undefined {
  switch (op.op) {
    case 'CONV_2D': {
      const o = op.options ?? {};
      return scalarTable(BuiltinOptionsType.Conv2DOptions, [
        int8(0, pad(o.padding)), int32(1, o.strideW ?? 1), int32(2, o.strideH ?? 1), int8(3, act(o.activation)),
        int32(4, o.dilationW ?? 1, 1), int32(5, o.dilationH ?? 1, 1),
      ]);
    }
    case 'DEPTHWISE_CONV_2D': {
      const o = op.options ?? {};
      return scalarTable(BuiltinOptionsType.DepthwiseConv2DOptions, [
        int8(0, pad(o.padding)), int32(1, o.strideW ?? 1), int32(2, o.strideH ?? 1),
        int32(3, o.depthMultiplier ?? depthMultiplier(op.inputs, tensorOf)), int8(4, act(o.activation)),
        int32(5, o.dilationW ?? 1, 1), int32(6, o.dilationH ?? 1, 1),
      ]);
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = op.options;
      return scalarTable(BuiltinOptionsType.Pool2DOptions, [
        int8(0, pad(o.padding)), int32(1, o.strideW ?? 1), int32(2, o.strideH ?? 1),
        int32(3, o.filterWidth), int32(4, o.filterHeight), int8(5, act(o.activation)),
      ]);
    }
    case 'FULLY_CONNECTED':
      return scalarTable(BuiltinOptionsType.FullyConnectedOptions, [
        int8(0, act(op.options?.activation)), int8(2, op.options?.keepNumDims === true ? 1 : 0),
      ]);
    case 'ADD':
    case 'SUB':
    case 'MUL': {
      const type = { ADD: BuiltinOptionsType.AddOptions, SUB: BuiltinOptionsType.SubOptions, MUL: BuiltinOptionsType.MulOptions }[op.op];
      return scalarTable(type, [int8(0, act(op.options?.activation))]);
    }
    case 'SOFTMAX':
      return scalarTable(BuiltinOptionsType.SoftmaxOptions, [{ slot: 0, type: 'float32', value: op.options?.beta ?? 1, omitWhen: 0 }]);
    case 'RESHAPE': {
      // Without new_shape (and without a shape input) the 2.x kernel reshapes to a scalar.
      const output = op.outputs[0];
      const values = op.options?.newShape ?? (output === undefined ? [] : tensorOf(output)?.shape ?? []);
      return { unionType: BuiltinOptionsType.ReshapeOptions, kind: 'intVector', values: [...values] };
    }
    case 'QUANTIZE':
      return scalarTable(BuiltinOptionsType.QuantizeOptions, []);
    case 'DEQUANTIZE':
      return scalarTable(BuiltinOptionsType.DequantizeOptions, []);
    case 'CONCATENATION':
      return scalarTable(BuiltinOptionsType.ConcatenationOptions, [int32(0, op.options.axis), int8(1, act(op.options.activation))]);
    case 'LOGISTIC':
    case 'CUSTOM':
      return undefined;
  }
}

// writeModel(): serialises a ModelSpec to a .tflite flatbuffer (schema v3, "TFL3"), optionally
// with TFLITE_METADATA and a zip archive of associated files appended. Field indices follow
// tensorflow/compiler/mlir/lite/schema/schema.fbs, as in reader.ts.
import { Builder, type Offset } from 'flatbuffers';
import { builtinOperatorCode, CUSTOM_OPERATOR_CODE, PLACEHOLDER_FOR_GREATER_OP_CODES } from './builtin-ops.js';
import { byteVector, float32Vector, int32Vector, int64Vector, offsetVector, optionalString } from './flat-builder.js';
import { buildMetadata } from './metadata-writer.js';
import {
  ACTIVATION_NAMES, BuiltinOptionsType, METADATA_ENTRY_NAME, MIN_RUNTIME_VERSION_ENTRY_NAME, MODEL_FILE_IDENTIFIER,
  PADDING_NAMES, tensorTypeCode, type ActivationName, type PaddingName,
} from './schema.js';
import { validateModelSpec } from './writer-validate.js';
import type { ModelSpec, OperatorSpec, TensorSpec } from './writer-spec.js';
import { buildZip, concatBytes } from './zip-writer.js';

// Versions the TFLite converter assigns to int8 kernels (tensorflow/lite/tools/versioning/op_version.cc);
// float and uint8 kernels are version 1.
const INT8_OP_VERSIONS: Readonly<Record<string, number>> = {
  CONV_2D: 3, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 4, AVERAGE_POOL_2D: 2, MAX_POOL_2D: 2,
  ADD: 2, SUB: 2, MUL: 2, SOFTMAX: 2, QUANTIZE: 2, DEQUANTIZE: 2, CONCATENATION: 2, LOGISTIC: 2,
};

const SCHEMA_VERSION = 3;
const BUFFER_ALIGNMENT = 16;

/**
 * Builds a valid single-subgraph .tflite model from a declarative spec: tensors (with constant
 * data), operators in execution order, inputs and outputs, and optional metadata whose files are
 * appended as a zip archive (as the TFLite metadata populator does).
 *
 * @throws ModelSpecError when the spec is inconsistent (unknown tensor name, data size not matching
 *   the shape, quantisation parameter counts, ...), naming the spec path
 * @returns the file bytes; readModel() and the TFLite runtime both accept them
 */
export function writeModel(spec: ModelSpec): Uint8Array {
  validateModelSpec(spec);
  const b = new Builder(4096);
  const tensorIndex = new Map(spec.tensors.map((t, i) => [t.name, i]));
  const indexOf = (name: string | null): number => (name === null ? -1 : tensorIndex.get(name) ?? -1);

  // Buffer 0 is the empty sentinel; each constant tensor gets its own buffer.
  const bufferData: Uint8Array[] = [new Uint8Array(0)];
  const tensors = spec.tensors.map((t) => {
    let buffer = 0;
    if (t.data !== undefined) {
      buffer = bufferData.length;
      bufferData.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    return tensorTable(b, t, buffer);
  });

  const codes: { code: number; custom?: string; version: number }[] = [];
  const operators = spec.operators.map((op) => {
    const code = op.op === 'CUSTOM' ? CUSTOM_OPERATOR_CODE : builtinOperatorCode(op.op) ?? 0;
    const custom = op.op === 'CUSTOM' ? op.customCode : undefined;
    const usesInt8 = [...op.inputs, ...op.outputs].some((n) => n !== null && spec.tensors[indexOf(n)]?.type === 'int8');
    const version = op.version ?? (usesInt8 ? INT8_OP_VERSIONS[op.op] ?? 1 : 1);
    let opcodeIndex = codes.findIndex((c) => c.code === code && c.custom === custom && c.version === version);
    if (opcodeIndex < 0) opcodeIndex = codes.push({ code, version, ...(custom === undefined ? {} : { custom }) }) - 1;
    return operatorTable(b, op, opcodeIndex, (n) => indexOf(n), (n) => spec.tensors[indexOf(n)]);
  });

  const subgraphName = optionalString(b, spec.subgraphName);
  const tensorsVector = offsetVector(b, tensors);
  const inputs = int32Vector(b, spec.inputs.map(indexOf));
  const outputs = int32Vector(b, spec.outputs.map(indexOf));
  const operatorsVector = offsetVector(b, operators);
  b.startObject(5); // SubGraph
  b.addFieldOffset(0, tensorsVector, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operatorsVector, 0);
  b.addFieldOffset(4, subgraphName, 0);
  const subgraphs = offsetVector(b, [b.endObject()]);

  const opcodes = offsetVector(b, codes.map((c) => {
    const customCode = optionalString(b, c.custom);
    b.startObject(4); // OperatorCode
    b.addFieldInt8(0, Math.min(c.code, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldOffset(1, customCode, 0);
    b.addFieldInt32(2, c.version, 1);
    b.addFieldInt32(3, c.code, 0);
    return b.endObject();
  }));

  const entries: { name: string; buffer: number }[] = [];
  if (spec.minRuntimeVersion !== undefined) {
    // The converter stores the version NUL-padded to 16 bytes.
    const text = new TextEncoder().encode(spec.minRuntimeVersion);
    const padded = new Uint8Array(Math.max(16, text.length + 1));
    padded.set(text);
    entries.push({ name: MIN_RUNTIME_VERSION_ENTRY_NAME, buffer: bufferData.push(padded) - 1 });
  }
  if (spec.metadata !== undefined) {
    entries.push({ name: METADATA_ENTRY_NAME, buffer: bufferData.push(buildMetadata(spec.metadata)) - 1 });
  }
  const metadata = entries.length === 0 ? 0 : offsetVector(b, entries.map((e) => {
    const name = b.createString(e.name);
    b.startObject(2); // Metadata
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, e.buffer, 0);
    return b.endObject();
  }));

  const buffers = offsetVector(b, bufferData.map((data) => {
    const vector = data.length === 0 ? 0 : byteVector(b, data, BUFFER_ALIGNMENT);
    b.startObject(3); // Buffer
    b.addFieldOffset(0, vector, 0);
    return b.endObject();
  }));

  const description = optionalString(b, spec.description);
  b.startObject(8); // Model
  b.addFieldInt32(0, SCHEMA_VERSION, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.addFieldOffset(6, metadata, 0);
  b.finish(b.endObject(), MODEL_FILE_IDENTIFIER);
  const flat = b.asUint8Array();

  const files = spec.metadata?.files ?? [];
  return files.length === 0 ? flat.slice() : concatBytes([flat, buildZip(files, flat.length)]);
}

function tensorTable(b: Builder, t: TensorSpec, buffer: number): Offset {
  let quantization = 0;
  if (t.quantization !== undefined) {
    const scale = float32Vector(b, t.quantization.scale);
    const zeroPoint = int64Vector(b, t.quantization.zeroPoint);
    b.startObject(7); // QuantizationParameters
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zeroPoint, 0);
    b.addFieldInt32(6, t.quantization.quantizedDimension ?? 0, 0);
    quantization = b.endObject();
  }
  const shape = int32Vector(b, t.shape);
  const shapeSignature = t.shapeSignature === undefined ? 0 : int32Vector(b, t.shapeSignature);
  const name = b.createString(t.name);
  b.startObject(8); // Tensor
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, tensorTypeCode(t.type), 0);
  b.addFieldInt32(2, buffer, 0);
  b.addFieldOffset(3, name, 0);
  b.addFieldOffset(4, quantization, 0);
  b.addFieldOffset(7, shapeSignature, 0);
  return b.endObject();
}

function operatorTable(
  b: Builder, op: OperatorSpec, opcodeIndex: number, indexOf: (name: string | null) => number,
  tensorOf: (name: string) => TensorSpec | undefined,
): Offset {
  const [optionsType, options] = builtinOptions(b, op, tensorOf);
  const customOptions = op.op === 'CUSTOM' && op.customOptions !== undefined ? byteVector(b, op.customOptions, 1) : 0;
  const inputs = int32Vector(b, op.inputs.map(indexOf));
  const outputs = int32Vector(b, op.outputs.map(indexOf));
  b.startObject(13); // Operator
  b.addFieldInt32(0, opcodeIndex, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldInt8(3, optionsType, 0);
  b.addFieldOffset(4, options, 0);
  b.addFieldOffset(5, customOptions, 0);
  return b.endObject();
}

/** Output channels / input channels, from the filter [1, h, w, out] and input [n, h, w, in] shapes. */
function depthMultiplier(inputs: readonly (string | null)[], tensorOf: (name: string) => TensorSpec | undefined): number {
  const [input, filter] = inputs.map((n) => (n === null ? undefined : tensorOf(n)?.shape));
  const channels = input?.[3];
  const outputs = filter?.[3];
  return channels !== undefined && outputs !== undefined && channels > 0 ? Math.max(1, Math.floor(outputs / channels)) : 1;
}

const act = (a: ActivationName | undefined): number => ACTIVATION_NAMES.indexOf(a ?? 'NONE');
const pad = (p: PaddingName | undefined): number => PADDING_NAMES.indexOf(p ?? 'SAME');

/** [BuiltinOptions union type, table offset]; [0, 0] for ops without options. */
function builtinOptions(b: Builder, op: OperatorSpec, tensorOf: (name: string) => TensorSpec | undefined): [number, Offset] {
  switch (op.op) {
    case 'CONV_2D': {
      const o = op.options ?? {};
      b.startObject(7);
      b.addFieldInt8(0, pad(o.padding), 0);
      b.addFieldInt32(1, o.strideW ?? 1, 0);
      b.addFieldInt32(2, o.strideH ?? 1, 0);
      b.addFieldInt8(3, act(o.activation), 0);
      b.addFieldInt32(4, o.dilationW ?? 1, 1);
      b.addFieldInt32(5, o.dilationH ?? 1, 1);
      return [BuiltinOptionsType.Conv2DOptions, b.endObject()];
    }
    case 'DEPTHWISE_CONV_2D': {
      const o = op.options ?? {};
      b.startObject(7);
      b.addFieldInt8(0, pad(o.padding), 0);
      b.addFieldInt32(1, o.strideW ?? 1, 0);
      b.addFieldInt32(2, o.strideH ?? 1, 0);
      b.addFieldInt32(3, o.depthMultiplier ?? depthMultiplier(op.inputs, tensorOf), 0);
      b.addFieldInt8(4, act(o.activation), 0);
      b.addFieldInt32(5, o.dilationW ?? 1, 1);
      b.addFieldInt32(6, o.dilationH ?? 1, 1);
      return [BuiltinOptionsType.DepthwiseConv2DOptions, b.endObject()];
    }
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D': {
      const o = op.options;
      b.startObject(6);
      b.addFieldInt8(0, pad(o.padding), 0);
      b.addFieldInt32(1, o.strideW ?? 1, 0);
      b.addFieldInt32(2, o.strideH ?? 1, 0);
      b.addFieldInt32(3, o.filterWidth, 0);
      b.addFieldInt32(4, o.filterHeight, 0);
      b.addFieldInt8(5, act(o.activation), 0);
      return [BuiltinOptionsType.Pool2DOptions, b.endObject()];
    }
    case 'FULLY_CONNECTED':
      b.startObject(5);
      b.addFieldInt8(0, act(op.options?.activation), 0);
      b.addFieldInt8(2, op.options?.keepNumDims === true ? 1 : 0, 0);
      return [BuiltinOptionsType.FullyConnectedOptions, b.endObject()];
    case 'ADD':
    case 'SUB':
    case 'MUL': {
      b.startObject(2);
      b.addFieldInt8(0, act(op.options?.activation), 0);
      const type = { ADD: BuiltinOptionsType.AddOptions, SUB: BuiltinOptionsType.SubOptions, MUL: BuiltinOptionsType.MulOptions }[op.op];
      return [type, b.endObject()];
    }
    case 'SOFTMAX':
      b.startObject(1);
      b.addFieldFloat32(0, op.options?.beta ?? 1, 0);
      return [BuiltinOptionsType.SoftmaxOptions, b.endObject()];
    case 'RESHAPE': {
      // Without new_shape (and without a shape input) the 2.x kernel reshapes to a scalar.
      const output = op.outputs[0];
      const newShape = int32Vector(b, op.options?.newShape ?? (output === undefined ? [] : tensorOf(output)?.shape ?? []));
      b.startObject(1);
      b.addFieldOffset(0, newShape, 0);
      return [BuiltinOptionsType.ReshapeOptions, b.endObject()];
    }
    case 'QUANTIZE':
      b.startObject(0);
      return [BuiltinOptionsType.QuantizeOptions, b.endObject()];
    case 'DEQUANTIZE':
      b.startObject(0);
      return [BuiltinOptionsType.DequantizeOptions, b.endObject()];
    case 'CONCATENATION':
      b.startObject(2);
      b.addFieldInt32(0, op.options.axis, 0);
      b.addFieldInt8(1, act(op.options.activation), 0);
      return [BuiltinOptionsType.ConcatenationOptions, b.endObject()];
    case 'LOGISTIC':
    case 'CUSTOM':
      return [0, 0];
  }
}

// writeModel(): a ModelSpec (the friendly, declarative description of writer-spec.ts) turned into the ModelGraph
// that graph-writer.ts serialises, so one place knows the .tflite layout (schema v3, "TFL3", metadata entries
// and the zip archive of associated files appended as the TFLite metadata populator does).
import { builtinOperatorCode, builtinOperatorName, CUSTOM_OPERATOR_CODE } from './builtin-ops.js';
import { writeModelGraph } from './graph-writer.js';
import { buildMetadata } from './metadata-writer.js';
import type { GraphOperator, GraphTensor, ModelGraph } from './model-graph.js';
import { METADATA_ENTRY_NAME, MIN_RUNTIME_VERSION_ENTRY_NAME } from './schema.js';
import { operatorOptions } from './writer-options.js';
import { validateModelSpec } from './writer-validate.js';
import type { ModelSpec, OperatorSpec, TensorSpec } from './writer-spec.js';

// Versions the TFLite converter assigns to int8 kernels (tensorflow/lite/tools/versioning/op_version.cc);
// float and uint8 kernels are version 1.
const INT8_OP_VERSIONS: Readonly<Record<string, number>> = {
  CONV_2D: 3, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 4, AVERAGE_POOL_2D: 2, MAX_POOL_2D: 2,
  ADD: 2, SUB: 2, MUL: 2, SOFTMAX: 2, QUANTIZE: 2, DEQUANTIZE: 2, CONCATENATION: 2, LOGISTIC: 2,
};

const SCHEMA_VERSION = 3;

/**
 * Builds a valid single-subgraph .tflite model from a declarative spec: tensors (with constant
 * data), operators in execution order, inputs and outputs, and optional metadata whose files are
 * appended as a zip archive (as the TFLite metadata populator does).
 *
 * @throws ModelSpecError when the spec is inconsistent (unknown tensor name, data size not matching
 *   the shape, quantisation parameter counts, ...), naming the spec path
 * @returns the file bytes; readModel(), readModelGraph() and the TFLite runtime all accept them
 */
export function writeModel(spec: ModelSpec): Uint8Array {
  validateModelSpec(spec);
  return writeModelGraph(modelGraphOfSpec(spec));
}

/**
 * The ModelGraph that writeModel() writes for a valid `spec` (readModelGraph() of the bytes gives it back).
 * Buffer 0 is the empty sentinel, then one buffer per constant tensor in tensor order, then the
 * min_runtime_version and TFLITE_METADATA entries.
 */
export function modelGraphOfSpec(spec: ModelSpec): ModelGraph {
  const tensorIndex = new Map(spec.tensors.map((t, i) => [t.name, i]));
  const indexOf = (name: string | null): number => (name === null ? -1 : tensorIndex.get(name) ?? -1);
  const tensorOf = (name: string): TensorSpec | undefined => spec.tensors[indexOf(name)];

  const buffers: Uint8Array[] = [new Uint8Array(0)];
  const tensors = spec.tensors.map((t): GraphTensor => {
    let buffer = 0;
    if (t.data !== undefined) buffer = buffers.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)) - 1;
    const q = t.quantization;
    return {
      name: t.name,
      type: t.type,
      shape: [...t.shape],
      ...(t.shapeSignature === undefined ? {} : { shapeSignature: [...t.shapeSignature] }),
      buffer,
      ...(q === undefined ? {} : { quantization: { scale: [...q.scale], zeroPoint: [...q.zeroPoint], quantizedDimension: q.quantizedDimension ?? 0 } }),
      isVariable: false,
      hasRank: false,
    };
  });
  const operators = spec.operators.map((op) => graphOperator(op, indexOf, tensorOf));

  const metadata: { name: string; buffer: number }[] = [];
  if (spec.minRuntimeVersion !== undefined) {
    // The converter stores the version NUL-padded to 16 bytes.
    const text = new TextEncoder().encode(spec.minRuntimeVersion);
    const padded = new Uint8Array(Math.max(16, text.length + 1));
    padded.set(text);
    metadata.push({ name: MIN_RUNTIME_VERSION_ENTRY_NAME, buffer: buffers.push(padded) - 1 });
  }
  if (spec.metadata !== undefined) {
    metadata.push({ name: METADATA_ENTRY_NAME, buffer: buffers.push(buildMetadata(spec.metadata)) - 1 });
  }
  const packedFiles = (spec.metadata?.files ?? []).map((f) => ({
    name: f.name,
    data: typeof f.data === 'string' ? new TextEncoder().encode(f.data) : f.data,
    compression: f.compression ?? 'deflate',
  }));
  return {
    version: SCHEMA_VERSION,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    subgraphs: [{
      ...(spec.subgraphName === undefined ? {} : { name: spec.subgraphName }),
      tensors,
      inputs: spec.inputs.map(indexOf),
      outputs: spec.outputs.map(indexOf),
      operators,
    }],
    buffers,
    metadata,
    signatures: [],
    packedFiles,
  };
}

function graphOperator(
  op: OperatorSpec, indexOf: (name: string | null) => number, tensorOf: (name: string) => TensorSpec | undefined,
): GraphOperator {
  const usesInt8 = [...op.inputs, ...op.outputs].some((n) => n !== null && tensorOf(n)?.type === 'int8');
  const version = op.version ?? (usesInt8 ? INT8_OP_VERSIONS[op.op] ?? 1 : 1);
  const options = operatorOptions(op, tensorOf);
  const io = { inputs: op.inputs.map(indexOf), outputs: op.outputs.map(indexOf), customOptionsFormat: 0 };
  if (op.op === 'CUSTOM') {
    return {
      opcode: { builtinCode: CUSTOM_OPERATOR_CODE, customCode: op.customCode, version },
      name: op.customCode,
      ...io,
      ...(op.customOptions === undefined ? {} : { customOptions: op.customOptions }),
    };
  }
  const builtinCode = builtinOperatorCode(op.op) ?? 0;
  return { opcode: { builtinCode, version }, name: builtinOperatorName(builtinCode), ...io, ...(options === undefined ? {} : { options }) };
}

// writeModelGraph(): serialises a ModelGraph (from readModelGraph(), possibly rewritten) back to a .tflite file,
// with its metadata entries and its packed associated files re-appended as a zip archive.
import { Builder, type Offset } from 'flatbuffers';
import { CUSTOM_OPERATOR_CODE, PLACEHOLDER_FOR_GREATER_OP_CODES } from './builtin-ops.js';
import { byteVector, float32Vector, int32Vector, int64Vector, offsetVector, optionalString } from './flat-builder.js';
import type { GraphOperator, GraphOptions, GraphSubgraph, GraphTensor, ModelGraph } from './model-graph.js';
import { MODEL_FILE_IDENTIFIER, tensorTypeCode } from './schema.js';
import { buildZip, concatBytes } from './zip-writer.js';

const BUFFER_ALIGNMENT = 16;

/**
 * Writes `graph` as a .tflite flatbuffer (operator codes are rebuilt from the operators, deduplicated; buffers
 * that no tensor or metadata entry uses are written empty). Packed files are appended as a zip archive whose
 * offsets are absolute in the new file.
 */
export function writeModelGraph(graph: ModelGraph): Uint8Array {
  const total = graph.buffers.reduce((n, b) => n + b.length, 0);
  const b = new Builder(total + 1024 * 1024);
  const used = new Set<number>(graph.metadata.map((m) => m.buffer));
  for (const sg of graph.subgraphs) for (const t of sg.tensors) used.add(t.buffer);

  const codes: { builtinCode: number; customCode?: string; version: number }[] = [];
  const opcodeIndex = (op: GraphOperator): number => {
    const { builtinCode, customCode, version } = op.opcode;
    let i = codes.findIndex((c) => c.builtinCode === builtinCode && c.customCode === customCode && c.version === version);
    if (i < 0) i = codes.push(op.opcode) - 1;
    return i;
  };
  const subgraphs = offsetVector(b, graph.subgraphs.map((sg) => subgraphTable(b, sg, opcodeIndex)));
  const opcodes = offsetVector(b, codes.map((c) => {
    const customCode = optionalString(b, c.builtinCode === CUSTOM_OPERATOR_CODE ? c.customCode : undefined);
    b.startObject(4); // OperatorCode
    b.addFieldInt8(0, Math.min(c.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
    b.addFieldOffset(1, customCode, 0);
    b.addFieldInt32(2, c.version, 1);
    b.addFieldInt32(3, c.builtinCode, 0);
    return b.endObject();
  }));
  const metadata = graph.metadata.length === 0 ? 0 : offsetVector(b, graph.metadata.map((m) => {
    const name = b.createString(m.name);
    b.startObject(2); // Metadata
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, m.buffer, 0);
    return b.endObject();
  }));
  const signatures = graph.signatures.length === 0 ? 0 : offsetVector(b, graph.signatures.map((s) => {
    const maps = (list: readonly { name: string; tensorIndex: number }[]): Offset => offsetVector(b, list.map((m) => {
      const name = b.createString(m.name);
      b.startObject(2); // TensorMap
      b.addFieldOffset(0, name, 0);
      b.addFieldInt32(1, m.tensorIndex, 0);
      return b.endObject();
    }));
    const inputs = maps(s.inputs);
    const outputs = maps(s.outputs);
    const key = b.createString(s.key);
    b.startObject(5); // SignatureDef
    b.addFieldOffset(0, inputs, 0);
    b.addFieldOffset(1, outputs, 0);
    b.addFieldOffset(2, key, 0);
    b.addFieldInt32(4, s.subgraphIndex, 0);
    return b.endObject();
  }));
  const buffers = offsetVector(b, graph.buffers.map((data, i) => {
    const vector = data.length === 0 || !used.has(i) ? 0 : byteVector(b, data, BUFFER_ALIGNMENT);
    b.startObject(3); // Buffer
    b.addFieldOffset(0, vector, 0);
    return b.endObject();
  }));
  const description = optionalString(b, graph.description);
  b.startObject(8); // Model
  b.addFieldInt32(0, graph.version, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.addFieldOffset(6, metadata, 0);
  b.addFieldOffset(7, signatures, 0);
  b.finish(b.endObject(), MODEL_FILE_IDENTIFIER);
  const flat = b.asUint8Array();
  if (graph.packedFiles.length === 0) return flat.slice();
  return concatBytes([flat, buildZip(graph.packedFiles, flat.length)]);
}

function subgraphTable(b: Builder, sg: GraphSubgraph, opcodeIndex: (op: GraphOperator) => number): Offset {
  const tensors = offsetVector(b, sg.tensors.map((t) => tensorTable(b, t)));
  const operators = offsetVector(b, sg.operators.map((op) => operatorTable(b, op, opcodeIndex(op))));
  const inputs = int32Vector(b, sg.inputs);
  const outputs = int32Vector(b, sg.outputs);
  const name = optionalString(b, sg.name);
  b.startObject(5); // SubGraph
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operators, 0);
  b.addFieldOffset(4, name, 0);
  return b.endObject();
}

function tensorTable(b: Builder, t: GraphTensor): Offset {
  let quantization = 0;
  if (t.quantization !== undefined) {
    const scale = float32Vector(b, t.quantization.scale);
    const zeroPoint = int64Vector(b, t.quantization.zeroPoint);
    b.startObject(7); // QuantizationParameters
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zeroPoint, 0);
    b.addFieldInt32(6, t.quantization.quantizedDimension, 0);
    quantization = b.endObject();
  }
  const shape = int32Vector(b, t.shape);
  const shapeSignature = t.shapeSignature === undefined ? 0 : int32Vector(b, t.shapeSignature);
  const name = b.createString(t.name);
  b.startObject(9); // Tensor
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, tensorTypeCode(t.type), 0);
  b.addFieldInt32(2, t.buffer, 0);
  b.addFieldOffset(3, name, 0);
  b.addFieldOffset(4, quantization, 0);
  b.addFieldInt8(5, t.isVariable ? 1 : 0, 0);
  b.addFieldOffset(7, shapeSignature, 0);
  b.addFieldInt8(8, t.hasRank ? 1 : 0, 0);
  return b.endObject();
}

function operatorTable(b: Builder, op: GraphOperator, opcodeIndex: number): Offset {
  const options = op.options === undefined ? 0 : optionsTable(b, op.options);
  const customOptions = op.customOptions === undefined ? 0 : byteVector(b, op.customOptions, 1);
  const inputs = int32Vector(b, op.inputs);
  const outputs = int32Vector(b, op.outputs);
  b.startObject(7); // Operator
  b.addFieldInt32(0, opcodeIndex, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldInt8(3, op.options?.unionType ?? 0, 0);
  b.addFieldOffset(4, options, 0);
  b.addFieldOffset(5, customOptions, 0);
  b.addFieldInt8(6, op.customOptionsFormat, 0);
  return b.endObject();
}

function optionsTable(b: Builder, o: GraphOptions): Offset {
  if (o.kind === 'empty') {
    b.startObject(0);
    return b.endObject();
  }
  if (o.kind === 'intVector') {
    const values = o.values === undefined ? 0 : int32Vector(b, o.values);
    b.startObject(1);
    b.addFieldOffset(0, values, 0);
    return b.endObject();
  }
  // Scalar-only table: write its inline bytes unchanged, 4-aligned right after the vtable offset (as in the
  // source, whose table start was 4-aligned), and point each vtable slot at the same offset inside the table.
  const byOffset = new Map<number, number[]>();
  o.fieldOffsets.forEach((off, slot) => {
    if (off !== 0) byOffset.set(off, [...(byOffset.get(off) ?? []), slot]);
  });
  // Padding before startObject, so that it is not counted in the table: the table reads back with the same bytes.
  const length = o.inline.length;
  b.prep(4, length);
  b.startObject(o.fieldOffsets.length);
  for (let i = length - 1; i >= 0; i--) {
    b.addInt8(o.inline[i]!);
    for (const slot of byOffset.get(i + 4) ?? []) b.slot(slot);
  }
  return b.endObject();
}

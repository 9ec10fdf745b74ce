// readModel(): a checked walk over the Model table of a .tflite flatbuffer.
// Field indices follow tensorflow/compiler/mlir/lite/schema/schema.fbs (vtable slot = 4 + 2 * index).
import { builtinOperatorName, CUSTOM_OPERATOR_CODE } from './builtin-ops.js';
import { formatFailure, type FormatFailure } from './errors.js';
import { FlatReader, type FlatTable } from './flat-reader.js';
import { readMetadata } from './metadata.js';
import {
  METADATA_ENTRY_NAME, MIN_RUNTIME_VERSION_ENTRY_NAME, MODEL_FILE_IDENTIFIER, tensorTypeName,
} from './schema.js';
import type {
  ModelMetadataInfo, OperatorInfo, QuantizationInfo, SignatureInfo, SubgraphInfo, TensorInfo, TfliteModelInfo,
} from './types.js';

const F = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadata: 6, signatureDefs: 7 },
  opcode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  subgraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, shapeSignature: 7 },
  quant: { scale: 2, zeroPoint: 3, quantizedDimension: 6 },
  operator: { opcodeIndex: 0, inputs: 1, outputs: 2 },
  buffer: { data: 0, offset: 1, size: 2 },
  metadata: { name: 0, buffer: 1 },
  signature: { inputs: 0, outputs: 1, key: 2, subgraphIndex: 4 },
  tensorMap: { name: 0, tensorIndex: 1 },
} as const;

interface OperatorCode {
  readonly name: string;
  readonly code: number;
  readonly custom: boolean;
  readonly version: number;
}

/**
 * Parses a .tflite model (TFLite schema v3, file identifier "TFL3") without running it.
 *
 * Reports subgraphs, tensors (type, shape, quantisation), operators, op counts, custom ops and,
 * when the model carries TFLITE_METADATA, its metadata and the labels packed in the zip archive
 * appended to the flatbuffer. Every offset is checked: malformed input throws
 * {@link TfliteFormatError} naming `fileName` and the cause, never another error type.
 *
 * @param bytes the whole file; not copied, not modified
 * @param fileName name used in error messages and reported back (default `<buffer>`)
 */
export function readModel(bytes: Uint8Array, fileName = '<buffer>'): TfliteModelInfo {
  const fail: FormatFailure = formatFailure(fileName);
  const r = new FlatReader(bytes, fail);
  const id = r.identifier();
  if (id !== MODEL_FILE_IDENTIFIER) {
    fail(`not a TFLite flatbuffer (identifier "${id}", expected "${MODEL_FILE_IDENTIFIER}")`);
  }
  const model = r.root('Model');
  const buffers = r.tables(model, F.model.buffers, (i) => `buffer ${i}`);
  const bufferData = (index: number): Uint8Array => readBufferData(r, buffers, index);
  const codes = r.tables(model, F.model.operatorCodes, (i) => `operator code ${i}`).map((t, i) => readOperatorCode(r, t, i));

  const subgraphs = r.tables(model, F.model.subgraphs, (i) => `subgraph ${i}`)
    .map((t, i) => readSubgraph(r, t, i, codes, buffers.length, bufferData));
  if (subgraphs.length === 0) fail('model has no subgraphs');

  // A Map, then fromEntries: a custom op may be called "__proto__".
  const counts = new Map<string, number>();
  const customOps: string[] = [];
  for (const sg of subgraphs) {
    for (const op of sg.operators) {
      counts.set(op.name, (counts.get(op.name) ?? 0) + 1);
      if (op.custom && !customOps.includes(op.name)) customOps.push(op.name);
    }
  }

  const entries = r.tables(model, F.model.metadata, (i) => `metadata entry ${i}`).map((t) => {
    const name = r.string(t, F.metadata.name) ?? '';
    const buffer = r.uint32(t, F.metadata.buffer, 0);
    if (buffer >= buffers.length) fail(`metadata entry "${name}": buffer ${buffer} out of range (${buffers.length} buffers)`);
    return { name, buffer };
  });
  const runtimeEntry = entries.find((e) => e.name === MIN_RUNTIME_VERSION_ENTRY_NAME);
  const metadataEntry = entries.find((e) => e.name === METADATA_ENTRY_NAME);
  const description = r.string(model, F.model.description);
  const minRuntimeVersion = runtimeEntry === undefined ? undefined : cString(bufferData(runtimeEntry.buffer));
  let metadata: ModelMetadataInfo | undefined;
  if (metadataEntry !== undefined) {
    metadata = readMetadata(bufferData(metadataEntry.buffer), bytes, formatFailure(fileName, METADATA_ENTRY_NAME), fail);
  }

  return {
    fileName,
    byteLength: bytes.length,
    version: r.uint32(model, F.model.version, 0),
    ...(description === undefined ? {} : { description }),
    ...(minRuntimeVersion === undefined ? {} : { minRuntimeVersion }),
    subgraphs,
    signatures: readSignatures(r, model, subgraphs),
    opCounts: Object.fromEntries(counts),
    customOps,
    buffersCount: buffers.length,
    metadataEntries: entries.map((e) => e.name),
    warnings: subgraphs.flatMap((sg, i) => quantizationWarnings(sg, i)),
    ...(metadata === undefined ? {} : { metadata }),
  };
}

function readOperatorCode(r: FlatReader, t: FlatTable, index: number): OperatorCode {
  // Models written before schema 3a only set the int8 deprecated field; newer ones set both, with
  // deprecated = PLACEHOLDER_FOR_GREATER_OP_CODES (127) when the code does not fit a byte.
  const code = Math.max(r.int8(t, F.opcode.deprecatedBuiltinCode, 0), r.int32(t, F.opcode.builtinCode, 0));
  const version = r.int32(t, F.opcode.version, 1);
  if (code !== CUSTOM_OPERATOR_CODE) return { name: builtinOperatorName(code), code, custom: false, version };
  const customCode = r.string(t, F.opcode.customCode);
  if (customCode === undefined || customCode === '') r.fail(`operator code ${index}: CUSTOM operator without a custom_code`);
  return { name: customCode, code, custom: true, version };
}

function readSubgraph(
  r: FlatReader, t: FlatTable, index: number, codes: readonly OperatorCode[], buffersCount: number,
  bufferData: (index: number) => Uint8Array,
): SubgraphInfo {
  const where = `subgraph ${index}`;
  const tensors = r.tables(t, F.subgraph.tensors, (i) => `${where} tensor ${i}`)
    .map((tt, i) => readTensor(r, tt, i, where, buffersCount, bufferData));
  const checkIndices = (list: number[], what: string, allowOmitted: boolean): number[] => {
    for (const i of list) {
      if ((i === -1 && allowOmitted) || (i >= 0 && i < tensors.length)) continue;
      r.fail(`${what}: tensor index ${i} out of range (${tensors.length} tensors)`);
    }
    return list;
  };
  const operators = r.tables(t, F.subgraph.operators, (i) => `${where} operator ${i}`).map((ot, i): OperatorInfo => {
    const opWhere = `${where} operator ${i}`;
    const opcodeIndex = r.uint32(ot, F.operator.opcodeIndex, 0);
    const code = codes[opcodeIndex];
    if (code === undefined) r.fail(`${opWhere}: opcode_index ${opcodeIndex} out of range (${codes.length} operator codes)`);
    return {
      name: code.name,
      builtinCode: code.code,
      custom: code.custom,
      version: code.version,
      inputs: checkIndices(r.int32s(ot, F.operator.inputs) ?? [], `${opWhere} (${code.name}) inputs`, true),
      outputs: checkIndices(r.int32s(ot, F.operator.outputs) ?? [], `${opWhere} (${code.name}) outputs`, false),
    };
  });
  const name = r.string(t, F.subgraph.name);
  return {
    ...(name === undefined ? {} : { name }),
    inputs: checkIndices(r.int32s(t, F.subgraph.inputs) ?? [], `${where} inputs`, false),
    outputs: checkIndices(r.int32s(t, F.subgraph.outputs) ?? [], `${where} outputs`, false),
    tensors,
    operators,
  };
}

function readTensor(
  r: FlatReader, t: FlatTable, index: number, where: string, buffersCount: number,
  bufferData: (index: number) => Uint8Array,
): TensorInfo {
  const name = r.string(t, F.tensor.name) ?? '';
  const label = `${where} tensor ${index} "${name}"`;
  const typeCode = r.int8(t, F.tensor.type, 0);
  const type = tensorTypeName(typeCode);
  if (type === undefined) r.fail(`${label}: unknown tensor type ${typeCode}`);
  const buffer = r.uint32(t, F.tensor.buffer, 0);
  if (buffer >= buffersCount && !(buffer === 0 && buffersCount === 0)) {
    r.fail(`${label}: buffer ${buffer} out of range (${buffersCount} buffers)`);
  }
  const shapeSignature = r.int32s(t, F.tensor.shapeSignature);
  const quantization = readQuantization(r, r.child(t, F.tensor.quantization, `quantization of ${label}`), label);
  return {
    index,
    name,
    type,
    shape: r.int32s(t, F.tensor.shape) ?? [],
    ...(shapeSignature === undefined ? {} : { shapeSignature }),
    buffer,
    dataByteLength: buffersCount === 0 ? 0 : bufferData(buffer).length,
    isVariable: r.bool(t, F.tensor.isVariable, false),
    ...(quantization === undefined ? {} : { quantization }),
  };
}

function readQuantization(r: FlatReader, q: FlatTable | undefined, label: string): QuantizationInfo | undefined {
  if (q === undefined) return undefined;
  const scale = r.float32s(q, F.quant.scale) ?? [];
  if (scale.length === 0) return undefined;
  const zeroPoint = r.int64s(q, F.quant.zeroPoint) ?? scale.map(() => 0);
  if (zeroPoint.length !== scale.length) {
    r.fail(`${label}: ${scale.length} quantization scales but ${zeroPoint.length} zero points`);
  }
  return { scale, zeroPoint, quantizedDimension: r.int32(q, F.quant.quantizedDimension, 0) };
}

/** Per-channel parameters the interpreter refuses (InterpreterBuilder::ParseQuantization, Subgraph tensor checks). */
function quantizationWarnings(sg: SubgraphInfo, index: number): string[] {
  const out: string[] = [];
  for (const t of sg.tensors) {
    const q = t.quantization;
    if (q === undefined || q.scale.length <= 1) continue;
    const where = `subgraph ${index} tensor ${t.index} "${t.name}"`;
    const d = q.quantizedDimension;
    if (d < 0 || d >= t.shape.length) {
      out.push(`${where}: ${q.scale.length} per-channel scales along dimension ${d} of a rank-${t.shape.length} tensor`);
    } else if (t.shape[d] !== q.scale.length) {
      out.push(`${where}: ${q.scale.length} per-channel scales but dimension ${d} has size ${t.shape[d]}`);
    }
  }
  return out;
}

function readBufferData(r: FlatReader, buffers: readonly FlatTable[], index: number): Uint8Array {
  const b = buffers[index];
  if (b === undefined) return r.fail(`buffer ${index} out of range (${buffers.length} buffers)`);
  const data = r.bytesOf(b, F.buffer.data);
  if (data !== undefined && data.length > 0) return data;
  // Models over 2 GB keep data outside the flatbuffer: offset/size relative to the file start,
  // valid when offset > 1 (schema 3c).
  const offset = r.uint64(b, F.buffer.offset, 0n);
  if (offset <= 1n) return new Uint8Array(0);
  const size = r.uint64(b, F.buffer.size, 0n);
  if (offset + size > BigInt(r.size)) {
    r.fail(`truncated: buffer ${index} data (${size} bytes at offset ${offset}) beyond end (size ${r.size})`);
  }
  return r.bytes.subarray(Number(offset), Number(offset + size));
}

function readSignatures(r: FlatReader, model: FlatTable, subgraphs: readonly SubgraphInfo[]): SignatureInfo[] {
  return r.tables(model, F.model.signatureDefs, (i) => `signature ${i}`).map((t, i) => {
    const key = r.string(t, F.signature.key) ?? '';
    const subgraphIndex = r.uint32(t, F.signature.subgraphIndex, 0);
    const sg = subgraphs[subgraphIndex];
    if (sg === undefined) r.fail(`signature ${i} "${key}": subgraph ${subgraphIndex} out of range (${subgraphs.length} subgraphs)`);
    const maps = (field: number, what: string): { name: string; tensorIndex: number }[] =>
      r.tables(t, field, (j) => `signature ${i} ${what} ${j}`).map((m) => {
        const tensorIndex = r.uint32(m, F.tensorMap.tensorIndex, 0);
        if (tensorIndex >= sg.tensors.length) {
          r.fail(`signature ${i} "${key}" ${what}: tensor index ${tensorIndex} out of range (${sg.tensors.length} tensors)`);
        }
        return { name: r.string(m, F.tensorMap.name) ?? '', tensorIndex };
      });
    return { key, subgraphIndex, inputs: maps(F.signature.inputs, 'input'), outputs: maps(F.signature.outputs, 'output') };
  });
}

/** Text up to the first NUL (min_runtime_version is NUL-padded to 16 bytes). */
function cString(data: Uint8Array): string {
  const end = data.indexOf(0);
  return new TextDecoder().decode(end < 0 ? data : data.subarray(0, end));
}

// readModelGraph(): the whole model as mutable data, for tools that rewrite a model (edgepipe optimize).
// Unlike readModel() (a report), this keeps everything writeModelGraph() needs to write the model back:
// buffer contents, option tables as raw bytes, custom options, metadata entries and packed files.
// Field indices follow tensorflow/compiler/mlir/lite/schema/schema.fbs, as in reader.ts.
import { builtinOperatorName, CUSTOM_OPERATOR_CODE } from './builtin-ops.js';
import { formatFailure, type FormatFailure } from './errors.js';
import { FlatReader, type FlatTable } from './flat-reader.js';
import { MODEL_FILE_IDENTIFIER, tensorTypeName, type TensorTypeName } from './schema.js';
import type { SignatureInfo } from './types.js';
import { openZipWith } from './zip.js';

const F = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4, metadata: 6, signatureDefs: 7 },
  opcode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  subgraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6, shapeSignature: 7, hasRank: 8 },
  quant: { details: 4, scale: 2, zeroPoint: 3, quantizedDimension: 6 },
  operator: {
    opcodeIndex: 0, inputs: 1, outputs: 2, optionsType: 3, options: 4, customOptions: 5, customOptionsFormat: 6,
    intermediates: 8, largeCustomOptionsOffset: 9, options2Type: 11,
  },
  buffer: { data: 0, offset: 1 },
  metadata: { name: 0, buffer: 1 },
  signature: { inputs: 0, outputs: 1, key: 2, subgraphIndex: 4 },
  tensorMap: { name: 0, tensorIndex: 1 },
} as const;

/**
 * Builtin operators whose option tables hold references (vectors, strings). RESHAPE and SQUEEZE (one int vector)
 * are read into `intVector`; the others cannot be copied as raw bytes and are refused.
 */
const VECTOR_OPTION_OPS = new Set(['RESHAPE', 'SQUEEZE']);
const REFERENCE_OPTION_OPS = new Set(['CONCAT_EMBEDDINGS', 'BUCKETIZE', 'VAR_HANDLE', 'CALL_ONCE']);

/** The operator's code: builtin (by name) or custom, with its version. */
export interface GraphOpcode {
  /** Builtin code; 32 (CUSTOM) for custom operators. */
  readonly builtinCode: number;
  readonly customCode?: string;
  readonly version: number;
}

/**
 * A builtin option table. Scalar-only tables are kept as their inline bytes (after the vtable offset) with the
 * offset of each field inside the table, which is enough to write them back unchanged without knowing their schema.
 */
export type GraphOptions =
  | { readonly unionType: number; readonly kind: 'raw'; readonly inline: Uint8Array; readonly fieldOffsets: readonly number[] }
  | { readonly unionType: number; readonly kind: 'intVector'; readonly values: readonly number[] | undefined }
  | { readonly unionType: number; readonly kind: 'empty' };

export interface GraphOperator {
  opcode: GraphOpcode;
  /** Builtin name or custom code, for messages. */
  readonly name: string;
  inputs: number[];
  outputs: number[];
  options?: GraphOptions;
  customOptions?: Uint8Array;
  customOptionsFormat: number;
}

export interface GraphQuantization {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface GraphTensor {
  name: string;
  type: TensorTypeName;
  shape: number[];
  shapeSignature?: number[];
  /** Index into ModelGraph.buffers (0 = no data). */
  buffer: number;
  quantization?: GraphQuantization;
  isVariable: boolean;
  hasRank: boolean;
}

export interface GraphSubgraph {
  name?: string;
  tensors: GraphTensor[];
  inputs: number[];
  outputs: number[];
  operators: GraphOperator[];
}

/** A packed associated file (labels, vocabularies) of the zip archive appended to the model. */
export interface GraphPackedFile {
  readonly name: string;
  readonly data: Uint8Array;
  readonly compression: 'store' | 'deflate';
}

export interface ModelGraph {
  version: number;
  description?: string;
  subgraphs: GraphSubgraph[];
  /** Buffer contents; buffer 0 is the empty sentinel. */
  buffers: Uint8Array[];
  /** Model.metadata entries (e.g. TFLITE_METADATA, min_runtime_version), pointing into `buffers`. */
  metadata: { name: string; buffer: number }[];
  signatures: SignatureInfo[];
  packedFiles: GraphPackedFile[];
}

/**
 * Parses a whole .tflite model into mutable data. Throws TfliteFormatError (naming `fileName`) for malformed
 * files and for the few features it cannot carry over: sparse tensors, custom quantisation, LSTM intermediates,
 * large (> 2 GB) buffers, builtin_options_2 and option tables with references other than RESHAPE/SQUEEZE's.
 */
export function readModelGraph(bytes: Uint8Array, fileName = '<buffer>'): ModelGraph {
  const fail: FormatFailure = formatFailure(fileName);
  const r = new FlatReader(bytes, fail);
  const id = r.identifier();
  if (id !== MODEL_FILE_IDENTIFIER) fail(`not a TFLite flatbuffer (identifier "${id}", expected "${MODEL_FILE_IDENTIFIER}")`);
  const model = r.root('Model');
  const buffers = r.tables(model, F.model.buffers, (i) => `buffer ${i}`).map((t, i) => {
    if (r.uint64(t, F.buffer.offset, 0n) > 1n) fail(`buffer ${i}: data outside the flatbuffer (models over 2 GB) is not supported`);
    return (r.bytesOf(t, F.buffer.data) ?? new Uint8Array(0)).slice();
  });
  const opcodes = r.tables(model, F.model.operatorCodes, (i) => `operator code ${i}`).map((t, i): GraphOpcode => {
    const builtinCode = Math.max(r.int8(t, F.opcode.deprecatedBuiltinCode, 0), r.int32(t, F.opcode.builtinCode, 0));
    const version = r.int32(t, F.opcode.version, 1);
    if (builtinCode !== CUSTOM_OPERATOR_CODE) return { builtinCode, version };
    const customCode = r.string(t, F.opcode.customCode);
    if (customCode === undefined || customCode === '') fail(`operator code ${i}: CUSTOM operator without a custom_code`);
    return { builtinCode, customCode, version };
  });
  const subgraphs = r.tables(model, F.model.subgraphs, (i) => `subgraph ${i}`)
    .map((t, i) => readSubgraph(r, t, i, opcodes, buffers.length));
  if (subgraphs.length === 0) fail('model has no subgraphs');
  const metadata = r.tables(model, F.model.metadata, (i) => `metadata entry ${i}`).map((t) => {
    const name = r.string(t, F.metadata.name) ?? '';
    const buffer = r.uint32(t, F.metadata.buffer, 0);
    if (buffer >= buffers.length) fail(`metadata entry "${name}": buffer ${buffer} out of range (${buffers.length} buffers)`);
    return { name, buffer };
  });
  const zip = openZipWith(bytes, formatFailure(fileName, 'zip'));
  const packedFiles = (zip?.entries ?? []).map((e) => ({ name: e.name, data: zip!.read(e.name)!, compression: e.method }));
  const description = r.string(model, F.model.description);
  return {
    version: r.uint32(model, F.model.version, 3),
    ...(description === undefined ? {} : { description }),
    subgraphs,
    buffers,
    metadata,
    signatures: readSignatures(r, model, subgraphs),
    packedFiles,
  };
}

function readSubgraph(r: FlatReader, t: FlatTable, index: number, opcodes: readonly GraphOpcode[], buffersCount: number): GraphSubgraph {
  const where = `subgraph ${index}`;
  const tensors = r.tables(t, F.subgraph.tensors, (i) => `${where} tensor ${i}`).map((tt, i) => readTensor(r, tt, `${where} tensor ${i}`, buffersCount));
  const check = (list: number[], what: string, allowOmitted: boolean): number[] => {
    for (const i of list) {
      if (!((i === -1 && allowOmitted) || (i >= 0 && i < tensors.length))) r.fail(`${what}: tensor index ${i} out of range (${tensors.length} tensors)`);
    }
    return list;
  };
  const operators = r.tables(t, F.subgraph.operators, (i) => `${where} operator ${i}`).map((ot, i): GraphOperator => {
    const opcodeIndex = r.uint32(ot, F.operator.opcodeIndex, 0);
    const opcode = opcodes[opcodeIndex];
    if (opcode === undefined) r.fail(`${where} operator ${i}: opcode_index ${opcodeIndex} out of range (${opcodes.length} operator codes)`);
    const name = opcode.customCode ?? builtinOperatorName(opcode.builtinCode);
    const label = `${where} operator ${i} (${name})`;
    if (r.vector(ot, F.operator.intermediates, 4) !== undefined) r.fail(`${label}: intermediate tensors are not supported`);
    if (r.uint64(ot, F.operator.largeCustomOptionsOffset, 0n) > 1n) r.fail(`${label}: custom options outside the flatbuffer are not supported`);
    if (r.uint8(ot, F.operator.options2Type, 0) !== 0) r.fail(`${label}: builtin_options_2 is not supported`);
    const options = readOptions(r, ot, name, label);
    const customOptions = r.bytesOf(ot, F.operator.customOptions);
    return {
      opcode,
      name,
      inputs: check(r.int32s(ot, F.operator.inputs) ?? [], `${label} inputs`, true),
      outputs: check(r.int32s(ot, F.operator.outputs) ?? [], `${label} outputs`, false),
      ...(options === undefined ? {} : { options }),
      ...(customOptions === undefined ? {} : { customOptions: customOptions.slice() }),
      customOptionsFormat: r.int8(ot, F.operator.customOptionsFormat, 0),
    };
  });
  const name = r.string(t, F.subgraph.name);
  return {
    ...(name === undefined ? {} : { name }),
    tensors,
    inputs: check(r.int32s(t, F.subgraph.inputs) ?? [], `${where} inputs`, false),
    outputs: check(r.int32s(t, F.subgraph.outputs) ?? [], `${where} outputs`, false),
    operators,
  };
}

function readOptions(r: FlatReader, ot: FlatTable, name: string, label: string): GraphOptions | undefined {
  const unionType = r.uint8(ot, F.operator.optionsType, 0);
  if (unionType === 0) return undefined;
  const table = r.child(ot, F.operator.options, `options of ${label}`);
  if (table === undefined) return { unionType, kind: 'empty' };
  if (VECTOR_OPTION_OPS.has(name)) return { unionType, kind: 'intVector', values: r.int32s(table, 0) };
  if (REFERENCE_OPTION_OPS.has(name)) r.fail(`${label}: its options hold references, which this tool cannot copy`);
  const fieldOffsets: number[] = [];
  for (let slot = 0; 4 + 2 * slot + 2 <= table.vtableSize; slot++) {
    fieldOffsets.push(r.bytes[table.vtable + 4 + 2 * slot]! | (r.bytes[table.vtable + 5 + 2 * slot]! << 8));
  }
  return { unionType, kind: 'raw', inline: r.bytes.slice(table.pos + 4, table.pos + table.inlineSize), fieldOffsets };
}

function readTensor(r: FlatReader, t: FlatTable, label: string, buffersCount: number): GraphTensor {
  const name = r.string(t, F.tensor.name) ?? '';
  const where = `${label} "${name}"`;
  const typeCode = r.int8(t, F.tensor.type, 0);
  const type = tensorTypeName(typeCode);
  if (type === undefined) r.fail(`${where}: unknown tensor type ${typeCode}`);
  const buffer = r.uint32(t, F.tensor.buffer, 0);
  if (buffer >= buffersCount && buffer !== 0) r.fail(`${where}: buffer ${buffer} out of range (${buffersCount} buffers)`);
  if (r.child(t, F.tensor.sparsity, `sparsity of ${where}`) !== undefined) r.fail(`${where}: sparse tensors are not supported`);
  const q = r.child(t, F.tensor.quantization, `quantization of ${where}`);
  let quantization: GraphQuantization | undefined;
  if (q !== undefined) {
    if (r.uint8(q, F.quant.details, 0) !== 0) r.fail(`${where}: custom quantisation details are not supported`);
    const scale = r.float32s(q, F.quant.scale) ?? [];
    if (scale.length > 0) {
      const zeroPoint = r.int64s(q, F.quant.zeroPoint) ?? scale.map(() => 0);
      if (zeroPoint.length !== scale.length) r.fail(`${where}: ${scale.length} quantization scales but ${zeroPoint.length} zero points`);
      quantization = { scale, zeroPoint, quantizedDimension: r.int32(q, F.quant.quantizedDimension, 0) };
    }
  }
  const shapeSignature = r.int32s(t, F.tensor.shapeSignature);
  return {
    name,
    type,
    shape: r.int32s(t, F.tensor.shape) ?? [],
    ...(shapeSignature === undefined ? {} : { shapeSignature }),
    buffer,
    ...(quantization === undefined ? {} : { quantization }),
    isVariable: r.bool(t, F.tensor.isVariable, false),
    hasRank: r.bool(t, F.tensor.hasRank, false),
  };
}

function readSignatures(r: FlatReader, model: FlatTable, subgraphs: readonly GraphSubgraph[]): SignatureInfo[] {
  return r.tables(model, F.model.signatureDefs, (i) => `signature ${i}`).map((t, i) => {
    const key = r.string(t, F.signature.key) ?? '';
    const subgraphIndex = r.uint32(t, F.signature.subgraphIndex, 0);
    const sg = subgraphs[subgraphIndex];
    if (sg === undefined) r.fail(`signature ${i} "${key}": subgraph ${subgraphIndex} out of range (${subgraphs.length} subgraphs)`);
    const maps = (field: number): { name: string; tensorIndex: number }[] =>
      r.tables(t, field, (j) => `signature ${i} map ${j}`).map((m) => ({
        name: r.string(m, F.tensorMap.name) ?? '',
        tensorIndex: r.uint32(m, F.tensorMap.tensorIndex, 0),
      }));
    return { key, subgraphIndex, inputs: maps(F.signature.inputs), outputs: maps(F.signature.outputs) };
  });
}

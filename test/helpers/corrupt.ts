/**
 * Targeted and random corruptions of .tflite files for the probe tests. A tiny flatbuffer walker finds where the
 * meaningful numbers sit (tensor shapes, buffer indices, subgraph and operator tensor indices, constant data), so
 * edits hit fields TFLite's verifier cannot judge (it checks offsets and sizes, not meaning).
 * Schema field numbers: tensorflow/lite/schema/schema.fbs (Model, SubGraph, Tensor, Operator, Buffer).
 */
import { mulberry32 } from '../../src/sources/synthetic-patterns.js';

/** Byte offsets of the int32 fields worth editing in one model. */
export interface ModelLayout {
  /** Per tensor of subgraph 0: offsets of its shape's int32 elements. */
  tensorShapes: number[][];
  /** Per tensor of subgraph 0: offset of its uint32 buffer index, or undefined when the field is absent. */
  tensorBuffers: Array<number | undefined>;
  /** Offsets of subgraph 0's input and output tensor indices. */
  subgraphInputs: number[];
  subgraphOutputs: number[];
  /** Offsets of every operator's input and output tensor indices in subgraph 0. */
  operatorInputs: number[][];
  operatorOutputs: number[][];
  /** Constant buffers with data: index in Model.buffers, offset of the length word, data offset and length. */
  buffers: Array<{ index: number; lengthAt: number; dataAt: number; length: number }>;
}

const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);
const i32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(at, true);
const u16 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(at, true);

/** Position of field `id` of the table at `table`, or undefined when absent. */
function field(b: Uint8Array, table: number, id: number): number | undefined {
  const vtable = table - i32(b, table);
  const vtableSize = u16(b, vtable);
  const slot = 4 + 2 * id;
  if (slot + 2 > vtableSize) return undefined;
  const offset = u16(b, vtable + slot);
  return offset === 0 ? undefined : table + offset;
}

/** Follows the uoffset stored at `at`. */
const deref = (b: Uint8Array, at: number): number => at + u32(b, at);

/** The element positions of the vector referenced by field `id`, each element `size` bytes (inline). */
function vectorElements(b: Uint8Array, table: number, id: number, size = 4): number[] {
  const at = field(b, table, id);
  if (at === undefined) return [];
  const vector = deref(b, at);
  return Array.from({ length: u32(b, vector) }, (_, i) => vector + 4 + i * size);
}

/** Tables referenced by a vector of offsets. */
const tables = (b: Uint8Array, table: number, id: number): number[] => vectorElements(b, table, id).map((at) => deref(b, at));

/** Walks subgraph 0 of a valid model. */
export function modelLayout(bytes: Uint8Array): ModelLayout {
  const model = deref(bytes, 0);
  const subgraph = tables(bytes, model, 2)[0];
  if (subgraph === undefined) throw new Error('model has no subgraph');
  const tensors = tables(bytes, subgraph, 0);
  const operators = tables(bytes, subgraph, 3);
  const buffers = tables(bytes, model, 4).flatMap((buffer, index) => {
    const at = field(bytes, buffer, 0);
    if (at === undefined) return [];
    const vector = deref(bytes, at);
    const length = u32(bytes, vector);
    return length > 0 ? [{ index, lengthAt: vector, dataAt: vector + 4, length }] : [];
  });
  return {
    tensorShapes: tensors.map((t) => vectorElements(bytes, t, 0)),
    tensorBuffers: tensors.map((t) => field(bytes, t, 2)),
    subgraphInputs: vectorElements(bytes, subgraph, 1),
    subgraphOutputs: vectorElements(bytes, subgraph, 2),
    operatorInputs: operators.map((op) => vectorElements(bytes, op, 1)),
    operatorOutputs: operators.map((op) => vectorElements(bytes, op, 2)),
    buffers,
  };
}

/** A copy of `bytes` with the int32 at `at` replaced. */
export function withInt32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  new DataView(copy.buffer).setInt32(at, value, true);
  return copy;
}

export function readInt32(bytes: Uint8Array, at: number): number {
  return i32(bytes, at);
}

/** Seeded floats in [0, 1), so a failing corruption can be reproduced from its seed and index. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

export interface Corruption {
  /** Reproducible description, e.g. 'flip 3 bytes at 812,90,1004'. */
  label: string;
  kind: 'truncate' | 'flip' | 'zero' | 'dimension' | 'tensor-index' | 'buffer-index';
  bytes: Uint8Array;
}

/** `count` corruptions of `bytes`, cycling over the kinds; the same seed gives the same list. */
export function generateCorruptions(bytes: Uint8Array, count: number, seed: number): Corruption[] {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T | undefined => (list.length ? list[int(list.length)] : undefined);
  const layout = modelLayout(bytes);
  const shapeSlots = layout.tensorShapes.flat();
  const indexSlots = [...layout.subgraphInputs, ...layout.subgraphOutputs, ...layout.operatorInputs.flat(), ...layout.operatorOutputs.flat()];
  const bufferSlots = layout.tensorBuffers.filter((at): at is number => at !== undefined);
  const tensorCount = layout.tensorShapes.length;
  const bufferCount = layout.buffers.length + 1;
  const dimensions = [0, -1, 2, 3, 1 << 28, 0x7fffffff, -2147483648];
  const indices = [-1, -2, tensorCount, tensorCount + 1, 1000, 0x7fffffff];
  const kinds: Corruption['kind'][] = ['truncate', 'flip', 'zero', 'dimension', 'tensor-index', 'buffer-index'];

  const result: Corruption[] = [];
  for (let i = 0; result.length < count; i++) {
    const kind = kinds[i % kinds.length]!;
    if (kind === 'truncate') {
      const length = int(bytes.length);
      result.push({ kind, label: `truncate to ${length}`, bytes: bytes.slice(0, length) });
    } else if (kind === 'flip') {
      const copy = Uint8Array.from(bytes);
      const spots = Array.from({ length: 1 + int(4) }, () => int(bytes.length));
      for (const at of spots) copy[at] = copy[at]! ^ (1 << int(8));
      result.push({ kind, label: `flip bits at ${spots.join(',')}`, bytes: copy });
    } else if (kind === 'zero') {
      const copy = Uint8Array.from(bytes);
      const start = int(bytes.length);
      const length = 1 + int(64);
      copy.fill(0, start, start + length);
      result.push({ kind, label: `zero ${length} bytes at ${start}`, bytes: copy });
    } else if (kind === 'dimension') {
      const at = pick(shapeSlots);
      const value = pick(dimensions)!;
      if (at !== undefined) result.push({ kind, label: `dimension at ${at} = ${value}`, bytes: withInt32(bytes, at, value) });
    } else if (kind === 'tensor-index') {
      const at = pick(indexSlots);
      const value = pick(indices)!;
      if (at !== undefined) result.push({ kind, label: `tensor index at ${at} = ${value}`, bytes: withInt32(bytes, at, value) });
    } else {
      const at = pick(bufferSlots);
      const value = pick([0, bufferCount, bufferCount + 5, 0x7fffffff, ...layout.buffers.map((b) => b.index)])!;
      if (at !== undefined) result.push({ kind, label: `buffer index at ${at} = ${value}`, bytes: withInt32(bytes, at, value) });
    }
  }
  return result;
}

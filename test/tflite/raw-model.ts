// Hand-built model flatbuffers for reader tests that writeModel() refuses to produce on purpose:
// old-style operator codes, codes above 127, dangling indices.
import { Builder } from 'flatbuffers';

export interface RawOpcode {
  /** int8 field 0; omitted when undefined (as in models from before schema 3a). */
  readonly deprecated?: number;
  /** int32 field 3; omitted when undefined. */
  readonly builtin?: number;
  readonly custom?: string;
}

export interface RawModel {
  readonly opcodes: readonly RawOpcode[];
  readonly operators: readonly { readonly opcodeIndex: number; readonly inputs: readonly number[]; readonly outputs: readonly number[] }[];
  readonly tensorCount: number;
  readonly inputs?: readonly number[];
  readonly outputs?: readonly number[];
  /** Buffer index written in every tensor (default 0). */
  readonly tensorBuffer?: number;
  readonly identifier?: string;
}

export function rawModel(m: RawModel): Uint8Array {
  const b = new Builder(256);
  const ints = (v: readonly number[]): number => {
    b.startVector(4, v.length, 4);
    for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i] ?? 0);
    return b.endVector();
  };
  const vec = (offsets: readonly number[]): number => {
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] ?? 0);
    return b.endVector();
  };
  const tensors = Array.from({ length: m.tensorCount }, (_, i) => {
    const name = b.createString(`t${i}`);
    const shape = ints([1]);
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt32(2, m.tensorBuffer ?? 0, 0);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });
  const operators = m.operators.map((op) => {
    const inputs = ints(op.inputs);
    const outputs = ints(op.outputs);
    b.startObject(3);
    b.addFieldInt32(0, op.opcodeIndex, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    return b.endObject();
  });
  const tensorsVec = vec(tensors);
  const operatorsVec = vec(operators);
  const inputs = ints(m.inputs ?? [0]);
  const outputs = ints(m.outputs ?? [0]);
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  b.addFieldOffset(3, operatorsVec, 0);
  const subgraphs = vec([b.endObject()]);
  const opcodes = vec(m.opcodes.map((c) => {
    const custom = c.custom === undefined ? 0 : b.createString(c.custom);
    b.startObject(4);
    if (c.deprecated !== undefined) b.addFieldInt8(0, c.deprecated, null);
    b.addFieldOffset(1, custom, 0);
    if (c.builtin !== undefined) b.addFieldInt32(3, c.builtin, null);
    return b.endObject();
  }));
  b.startObject(3);
  const buffers = vec([b.endObject()]);
  b.startObject(8);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, opcodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), m.identifier ?? 'TFL3');
  return b.asUint8Array().slice();
}

// writeModel() writes through writeModelGraph(): a model written from a spec reads back through readModelGraph()
// as that spec (tensors, data, operators, options, metadata, packed files), and the TFLite runtime loads and runs it.
import { describe, expect, it } from 'vitest';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { readModel, writeModel, type ModelSpec } from '../../src/tflite/index.js';
import { readModelGraph, type GraphOperator } from '../../src/tflite/model-graph.js';
import { modelGraphOfSpec } from '../../src/tflite/writer.js';

const f32 = (name: string, shape: number[], data?: number[]): ModelSpec['tensors'][number] =>
  ({ name, type: 'float32', shape, ...(data === undefined ? {} : { data: Float32Array.from(data) }) });

/** Float operators whose options all change the result: x [1,2,2,1] -> softmax / logistic / quantised copy. */
const spec: ModelSpec = {
  description: 'every operator the spec knows',
  subgraphName: 'main',
  minRuntimeVersion: '2.3.0',
  tensors: [
    { ...f32('x', [1, 2, 2, 1]), shapeSignature: [-1, 2, 2, 1] },
    f32('conv_w', [2, 1, 1, 1], [1, -1]), f32('conv_b', [2], [0, 0]), f32('conv', [1, 2, 2, 2]),
    f32('dw_w', [1, 1, 1, 2], [2, 3]), f32('dw_b', [2], [0, 0]), f32('dw', [1, 2, 2, 2]),
    f32('pool', [1, 1, 1, 2]), f32('flat', [1, 2]),
    f32('fc_w', [2, 2], [1, 0, 0, 1]), f32('fc', [1, 2]),
    f32('one', [2], [1, 1]), f32('sum', [1, 2]),
    f32('cat', [1, 4]), f32('soft', [1, 4]), f32('logistic', [1, 2]),
    { name: 'q', type: 'int8', shape: [1, 2], quantization: { scale: [0.25], zeroPoint: [-3] } }, f32('dq', [1, 2]),
  ],
  operators: [
    { op: 'CONV_2D', inputs: ['x', 'conv_w', 'conv_b'], outputs: ['conv'], options: { padding: 'VALID', activation: 'RELU' } },
    { op: 'DEPTHWISE_CONV_2D', inputs: ['conv', 'dw_w', 'dw_b'], outputs: ['dw'] },
    { op: 'MAX_POOL_2D', inputs: ['dw'], outputs: ['pool'], options: { filterWidth: 2, filterHeight: 2, strideW: 2, strideH: 2, padding: 'VALID' } },
    { op: 'RESHAPE', inputs: ['pool'], outputs: ['flat'] },
    { op: 'FULLY_CONNECTED', inputs: ['flat', 'fc_w', null], outputs: ['fc'] },
    { op: 'ADD', inputs: ['fc', 'one'], outputs: ['sum'] },
    { op: 'CONCATENATION', inputs: ['sum', 'sum'], outputs: ['cat'], options: { axis: -1 } },
    { op: 'SOFTMAX', inputs: ['cat'], outputs: ['soft'], options: { beta: 0.5 } },
    { op: 'LOGISTIC', inputs: ['sum'], outputs: ['logistic'] },
    { op: 'QUANTIZE', inputs: ['sum'], outputs: ['q'] },
    { op: 'DEQUANTIZE', inputs: ['q'], outputs: ['dq'] },
  ],
  inputs: ['x'],
  outputs: ['soft', 'logistic', 'dq'],
  metadata: {
    name: 'all ops',
    outputs: [{ name: 'soft', associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS' }] }, {}, {}],
    files: [{ name: 'labels.txt', data: 'a\nb\nc\nd\n' }],
  },
};

/** A scalar field of a raw option table (the default when absent). */
function field(op: GraphOperator | undefined, slot: number, type: 'int8' | 'int32' | 'float32', absent = 0): number {
  const o = op?.options;
  if (o?.kind !== 'raw') throw new Error(`${op?.name}: no scalar option table`);
  const at = (o.fieldOffsets[slot] ?? 0) - 4;
  if (at < 0) return absent;
  const view = new DataView(o.inline.buffer, o.inline.byteOffset, o.inline.byteLength);
  return type === 'int8' ? view.getInt8(at) : type === 'int32' ? view.getInt32(at, true) : view.getFloat32(at, true);
}

describe('writeModel through writeModelGraph', () => {
  const bytes = writeModel(spec);
  const graph = readModelGraph(bytes, 'all-ops.tflite');
  const sg = graph.subgraphs[0]!;
  const names = (list: readonly number[]): (string | null)[] => list.map((i) => (i < 0 ? null : sg.tensors[i]!.name));

  it('reads back through readModelGraph as the graph it was written from', () => {
    expect(graph).toEqual(modelGraphOfSpec(spec));
  });

  it('reads back as its spec: tensors with their data, operators with their tensors, inputs, outputs, metadata and files', () => {
    expect(graph.description).toBe(spec.description);
    expect(sg.name).toBe('main');
    expect(sg.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, ...(t.shapeSignature ? { shapeSignature: t.shapeSignature } : {}), ...(t.quantization ? { quantization: t.quantization } : {}) })))
      .toEqual(spec.tensors.map((t) => ({ name: t.name, type: t.type, shape: t.shape, ...(t.shapeSignature ? { shapeSignature: t.shapeSignature } : {}), ...(t.quantization ? { quantization: { ...t.quantization, quantizedDimension: 0 } } : {}) })));
    sg.tensors.forEach((t, i) => {
      const data = spec.tensors[i]!.data;
      expect(Buffer.from(graph.buffers[t.buffer]!)).toEqual(data === undefined ? Buffer.alloc(0) : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
    expect(sg.operators.map((op) => ({ op: op.name, inputs: names(op.inputs), outputs: names(op.outputs) })))
      .toEqual(spec.operators.map((op) => ({ op: op.op, inputs: op.inputs, outputs: op.outputs })));
    expect([names(sg.inputs), names(sg.outputs)]).toEqual([spec.inputs, spec.outputs]);
    expect(graph.metadata.map((m) => m.name)).toEqual(['min_runtime_version', 'TFLITE_METADATA']);
    expect(readModel(bytes).minRuntimeVersion).toBe('2.3.0');
    expect(readModel(bytes).metadata?.outputs[0]?.associatedFiles?.[0]?.name).toBe('labels.txt');
    expect(graph.packedFiles.map((p) => [p.name, Buffer.from(p.data).toString(), p.compression])).toEqual([['labels.txt', 'a\nb\nc\nd\n', 'deflate']]);
  });

  it('writes each option where the schema has it, defaults left out', () => {
    const op = (name: string): GraphOperator | undefined => sg.operators.find((o) => o.name === name);
    expect([0, 1, 2, 3, 4, 5].map((s) => field(op('CONV_2D'), s, s === 0 || s === 3 ? 'int8' : 'int32', -99)))
      .toEqual([1, 1, 1, 1, -99, -99]); // VALID, stride 1 x 1, RELU, dilations absent (1)
    expect(field(op('DEPTHWISE_CONV_2D'), 3, 'int32')).toBe(1); // depth multiplier from the shapes
    expect([3, 4, 1, 2].map((s) => field(op('MAX_POOL_2D'), s, 'int32'))).toEqual([2, 2, 2, 2]);
    expect(op('RESHAPE')?.options).toEqual({ unionType: 17, kind: 'intVector', values: [1, 2] });
    expect(field(op('CONCATENATION'), 0, 'int32')).toBe(-1);
    expect(field(op('SOFTMAX'), 0, 'float32')).toBe(0.5);
    expect(op('FULLY_CONNECTED')?.options).toEqual({ unionType: 8, kind: 'raw', inline: new Uint8Array(0), fieldOffsets: [] });
    expect(op('LOGISTIC')?.options).toBeUndefined();
  });

  it('loads and runs on the TFLite runtime with the results the options imply', async () => {
    const { interpreter } = await createInterpreter(Model.fromBuffer(bytes, 'all-ops.tflite'), { delegates: ['cpu'] });
    try {
      interpreter.setInput(0, Float32Array.from([1, -2, 3, -4]));
      await interpreter.invoke();
      // conv: [relu(x), relu(-x)]; depthwise: x2, x3; pool: maxima 6, 12; + 1 -> [7, 13].
      const e = [7, 13, 7, 13].map((v) => Math.exp(0.5 * v));
      const total = e.reduce((a, b) => a + b, 0);
      Array.from(interpreter.output(0) as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(e[i]! / total, 6));
      Array.from(interpreter.output(1) as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(1 / (1 + Math.exp(-[7, 13][i]!)), 6));
      Array.from(interpreter.output(2) as Float32Array).forEach((v, i) => expect(v).toBeCloseTo([7, 13][i]!, 5));
    } finally {
      interpreter.dispose();
    }
  });

  it('carries a custom operator with its options and code', () => {
    const custom = writeModel({
      tensors: [f32('a', [2]), f32('b', [2])],
      operators: [{ op: 'CUSTOM', customCode: 'MyOp', customOptions: Uint8Array.from([1, 2, 3]), inputs: ['a'], outputs: ['b'] }],
      inputs: ['a'],
      outputs: ['b'],
    });
    const op = readModelGraph(custom).subgraphs[0]!.operators[0]!;
    expect(op).toMatchObject({ name: 'MyOp', opcode: { builtinCode: 32, customCode: 'MyOp', version: 1 } });
    expect(Array.from(op.customOptions ?? [])).toEqual([1, 2, 3]);
  });
});

import { describe, expect, it } from 'vitest';
import { readModel, TfliteFormatError } from '../../src/tflite/index.js';
import { customOpModel, int8ConvAvgPoolSoftmax, int8FullyConnected, multiDtypeModel } from '../helpers/models.js';
import { rawModel } from './raw-model.js';

/** Runs fn and returns the TfliteFormatError it throws (fails the test on anything else). */
function formatError(fn: () => unknown): TfliteFormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TfliteFormatError) return err;
    throw err;
  }
  throw new Error('expected a TfliteFormatError');
}

describe('readModel on written models', () => {
  const model = int8ConvAvgPoolSoftmax();
  const info = readModel(model.bytes, 'tiny.tflite');
  const sg = info.subgraphs[0];

  it('reports version, description, sizes and metadata entries', () => {
    expect(info).toMatchObject({
      fileName: 'tiny.tflite',
      byteLength: model.bytes.length,
      version: 3,
      description: 'tiny int8 image classifier',
      minRuntimeVersion: '2.3.0',
      metadataEntries: ['min_runtime_version', 'TFLITE_METADATA'],
      // sentinel + 5 constant tensors + min_runtime_version + TFLITE_METADATA
      buffersCount: 8,
      customOps: [],
    });
    expect(info.subgraphs).toHaveLength(1);
    expect(info.signatures).toEqual([]);
  });

  it('reports subgraph inputs and outputs as tensor indices', () => {
    expect(sg?.name).toBe('main');
    expect(sg?.inputs).toEqual([0]);
    expect(sg?.outputs).toEqual([10]);
    expect(sg?.tensors[10]?.name).toBe('probability');
  });

  it('reports tensor types, shapes and per-tensor quantisation', () => {
    expect(sg?.tensors[0]).toEqual({
      index: 0, name: 'image', type: 'int8', shape: [1, 8, 8, 3], buffer: 0, dataByteLength: 0, isVariable: false,
      quantization: { scale: [Math.fround(2 / 255)], zeroPoint: [-1], quantizedDimension: 0 },
    });
    expect(sg?.tensors[10]?.quantization).toEqual({ scale: [1 / 256], zeroPoint: [-128], quantizedDimension: 0 });
    expect(sg?.tensors[5]).toMatchObject({ name: 'flatten/shape', type: 'int32', shape: [2], dataByteLength: 8 });
    expect(sg?.tensors[5]).not.toHaveProperty('quantization');
  });

  it('reports per-channel quantisation and constant data sizes', () => {
    const weights = sg?.tensors[1];
    expect(weights).toMatchObject({ name: 'conv/weights', shape: [8, 3, 3, 3], dataByteLength: 216 });
    expect(weights?.buffer).toBeGreaterThan(0);
    expect(weights?.quantization?.scale).toHaveLength(8);
    expect(weights?.quantization?.zeroPoint).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(weights?.quantization?.quantizedDimension).toBe(0);
    expect(weights?.quantization?.scale).toEqual(model.spec.tensors[1]?.quantization?.scale);
  });

  it('reports operators in order with names, versions and tensor indices', () => {
    expect(sg?.operators.map((o) => [o.name, o.version, o.builtinCode])).toEqual([
      ['CONV_2D', 3, 3], ['AVERAGE_POOL_2D', 2, 1], ['RESHAPE', 1, 22], ['FULLY_CONNECTED', 4, 9], ['SOFTMAX', 2, 25],
    ]);
    expect(sg?.operators[0]).toMatchObject({ inputs: [0, 1, 2], outputs: [3], custom: false });
    expect(info.opCounts).toEqual({ CONV_2D: 1, AVERAGE_POOL_2D: 1, RESHAPE: 1, FULLY_CONNECTED: 1, SOFTMAX: 1 });
  });

  it('reports every element type', () => {
    const types = readModel(multiDtypeModel().bytes).subgraphs[0]?.tensors.map((t) => t.type);
    expect(new Set(types)).toEqual(new Set(['float32', 'int32', 'uint8', 'int64', 'bool', 'int16', 'int8']));
  });

  it('names custom operators by their custom code and lists them', () => {
    const custom = readModel(customOpModel('my-custom-op').bytes);
    expect(custom.customOps).toEqual(['my-custom-op']);
    expect(custom.opCounts).toEqual({ 'my-custom-op': 1 });
    expect(custom.subgraphs[0]?.operators[0]).toMatchObject({ name: 'my-custom-op', custom: true, builtinCode: 32 });
  });

  it('defaults the file name to <buffer>', () => {
    expect(readModel(int8FullyConnected({ inputSize: 2, outputSize: 2, seed: 1 }).bytes).fileName).toBe('<buffer>');
  });
});

describe('readModel operator codes', () => {
  const ops = (opcodes: Parameters<typeof rawModel>[0]['opcodes']): string[] =>
    readModel(rawModel({ opcodes, tensorCount: 1, operators: opcodes.map((_, i) => ({ opcodeIndex: i, inputs: [0], outputs: [0] })) }))
      .subgraphs[0]?.operators.map((o) => o.name) ?? [];

  it('uses deprecated_builtin_code when builtin_code is absent (models before schema 3a)', () => {
    expect(ops([{ deprecated: 9 }, { deprecated: 3 }])).toEqual(['FULLY_CONNECTED', 'CONV_2D']);
  });

  it('uses builtin_code when deprecated_builtin_code holds the placeholder 127', () => {
    expect(ops([{ deprecated: 127, builtin: 150 }, { builtin: 126 }])).toEqual(['GELU', 'BATCH_MATMUL']);
  });

  it('takes the larger of the two fields when both are set', () => {
    expect(ops([{ deprecated: 4, builtin: 4 }, { deprecated: 0, builtin: 25 }, { deprecated: 22, builtin: 0 }]))
      .toEqual(['DEPTHWISE_CONV_2D', 'SOFTMAX', 'RESHAPE']);
  });

  it('reports codes beyond the known table by number', () => {
    expect(ops([{ deprecated: 127, builtin: 4000 }])).toEqual(['BUILTIN_4000']);
  });

  it('rejects a CUSTOM operator code without a custom code', () => {
    expect(formatError(() => ops([{ deprecated: 32 }])).message)
      .toBe('<buffer>: operator code 0: CUSTOM operator without a custom_code');
  });
});

describe('readModel errors', () => {
  const bytes = int8FullyConnected({ inputSize: 4, outputSize: 2, seed: 1 }).bytes;

  it('rejects files too short to be a flatbuffer', () => {
    const err = formatError(() => readModel(new Uint8Array(0), 'empty.tflite'));
    expect(err.message).toBe('empty.tflite: truncated: 0 bytes, a flatbuffer needs at least 8');
    expect(err.fileName).toBe('empty.tflite');
  });

  it('rejects a wrong file identifier, quoting it', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    expect(formatError(() => readModel(png, 'cat.png')).message)
      .toBe('cat.png: not a TFLite flatbuffer (identifier "\\x0d\\x0a\\x1a\\x0a", expected "TFL3")');
    expect(formatError(() => readModel(rawModel({ opcodes: [], operators: [], tensorCount: 1, identifier: 'XXXX' }), 'model.tflite')).message)
      .toBe('model.tflite: not a TFLite flatbuffer (identifier "XXXX", expected "TFL3")');
  });

  it('reports truncation with the offset and the file size', () => {
    const head = bytes.slice(0, 12);
    const root = new DataView(head.buffer).getUint32(0, true);
    expect(formatError(() => readModel(head, 'model.tflite')).message)
      .toBe(`model.tflite: truncated: table Model at offset ${root} beyond end (size 12)`);
  });

  it('reports tensor indices out of range', () => {
    const bad = rawModel({ opcodes: [{ deprecated: 9 }], operators: [{ opcodeIndex: 0, inputs: [0, 7], outputs: [0] }], tensorCount: 2 });
    expect(formatError(() => readModel(bad, 'm.tflite')).message)
      .toBe('m.tflite: subgraph 0 operator 0 (FULLY_CONNECTED) inputs: tensor index 7 out of range (2 tensors)');
    const badOutput = rawModel({ opcodes: [], operators: [], tensorCount: 1, outputs: [3] });
    expect(formatError(() => readModel(badOutput, 'm.tflite')).message)
      .toBe('m.tflite: subgraph 0 outputs: tensor index 3 out of range (1 tensors)');
  });

  it('accepts -1 for omitted optional operator inputs', () => {
    const ok = rawModel({ opcodes: [{ deprecated: 9 }], operators: [{ opcodeIndex: 0, inputs: [0, 1, -1], outputs: [1] }], tensorCount: 2 });
    expect(readModel(ok).subgraphs[0]?.operators[0]?.inputs).toEqual([0, 1, -1]);
  });

  it('reports opcode and buffer indices out of range', () => {
    const badOpcode = rawModel({ opcodes: [{ deprecated: 9 }], operators: [{ opcodeIndex: 5, inputs: [0], outputs: [0] }], tensorCount: 1 });
    expect(formatError(() => readModel(badOpcode, 'm.tflite')).message)
      .toBe('m.tflite: subgraph 0 operator 0: opcode_index 5 out of range (1 operator codes)');
    const badBuffer = rawModel({ opcodes: [], operators: [], tensorCount: 1, tensorBuffer: 4 });
    expect(formatError(() => readModel(badBuffer, 'm.tflite')).message)
      .toBe('m.tflite: subgraph 0 tensor 0 "t0": buffer 4 out of range (1 buffers)');
  });
});

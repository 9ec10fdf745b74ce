import { describe, expect, it } from 'vitest';
import { ModelSpecError, openZip, readModel, writeModel, type ModelSpec } from '../../src/tflite/index.js';
import { formatFailure } from '../../src/tflite/errors.js';
import { FlatReader } from '../../src/tflite/flat-reader.js';
import { int8ConvAvgPoolSoftmax, int8FullyConnected } from '../helpers/models.js';

function specError(spec: ModelSpec): string {
  try {
    writeModel(spec);
  } catch (err) {
    if (err instanceof ModelSpecError) return err.message;
    throw err;
  }
  throw new Error('expected a ModelSpecError');
}

const base: ModelSpec = {
  tensors: [
    { name: 'x', type: 'int8', shape: [1, 4], quantization: { scale: [0.1], zeroPoint: [0] } },
    { name: 'w', type: 'int8', shape: [2, 4], quantization: { scale: [0.01], zeroPoint: [0] }, data: new Int8Array(8) },
    { name: 'y', type: 'int8', shape: [1, 2], quantization: { scale: [0.1], zeroPoint: [0] } },
  ],
  operators: [{ op: 'FULLY_CONNECTED', inputs: ['x', 'w', null], outputs: ['y'] }],
  inputs: ['x'],
  outputs: ['y'],
};

describe('writeModel', () => {
  it('writes a TFL3 flatbuffer that reads back', () => {
    const bytes = writeModel(base);
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
    const sg = readModel(bytes).subgraphs[0];
    expect(sg?.operators[0]).toMatchObject({ name: 'FULLY_CONNECTED', inputs: [0, 1, -1], outputs: [2], version: 4 });
    expect(sg?.tensors.map((t) => t.dataByteLength)).toEqual([0, 8, 0]);
  });

  it('is deterministic', () => {
    expect(int8ConvAvgPoolSoftmax().bytes).toEqual(int8ConvAvgPoolSoftmax().bytes);
    expect(int8FullyConnected({ inputSize: 8, outputSize: 3, seed: 4 }).bytes)
      .not.toEqual(int8FullyConnected({ inputSize: 8, outputSize: 3, seed: 5 }).bytes);
  });

  it('aligns constant data to 16 bytes', () => {
    const pattern = Int8Array.from({ length: 64 }, (_, i) => i - 32);
    const bytes = writeModel({
      ...base,
      tensors: [base.tensors[0]!, { ...base.tensors[1]!, shape: [16, 4], data: pattern }, base.tensors[2]!],
    });
    const at = Buffer.from(bytes).indexOf(Buffer.from(pattern.buffer));
    expect(at).toBeGreaterThan(0);
    expect(at % 16).toBe(0);
  });

  it('writes shape signatures and explicit operator versions', () => {
    const bytes = writeModel({
      ...base,
      tensors: [{ ...base.tensors[0]!, shapeSignature: [-1, 4] }, base.tensors[1]!, base.tensors[2]!],
      operators: [{ ...base.operators[0]!, version: 9 }],
    });
    const sg = readModel(bytes).subgraphs[0];
    expect(sg?.tensors[0]?.shapeSignature).toEqual([-1, 4]);
    expect(sg?.operators[0]?.version).toBe(9);
  });

  it('appends associated files at absolute offsets after the flatbuffer', () => {
    const bytes = int8ConvAvgPoolSoftmax().bytes;
    const zip = openZip(bytes);
    expect(zip?.entries.map((e) => e.name)).toEqual(['labels.txt']);
    expect(zip?.entries[0]?.headerOffset).toBe(Buffer.from(bytes).indexOf(Buffer.from('PK\x03\x04', 'latin1')));
  });

  it('shares one operator code between operators of the same kind and version', () => {
    const bytes = writeModel({
      tensors: ['a', 'b', 'c', 'd'].map((name) => ({ name, type: 'float32' as const, shape: [2] })),
      operators: [
        { op: 'ADD', inputs: ['a', 'b'], outputs: ['c'] },
        { op: 'ADD', inputs: ['c', 'b'], outputs: ['d'], options: { activation: 'RELU' } },
      ],
      inputs: ['a', 'b'],
      outputs: ['d'],
    });
    expect(readModel(bytes).opCounts).toEqual({ ADD: 2 });
    const r = new FlatReader(bytes, formatFailure('m'));
    expect(r.tables(r.root('Model'), 1, (i) => `operator code ${i}`)).toHaveLength(1); // Model.operator_codes
  });
});

describe('writeModel spec errors', () => {
  it('names the spec path, the expectation and the value received', () => {
    expect(specError({ ...base, operators: [{ ...base.operators[0]!, inputs: ['x', 'nope'] }] }))
      .toBe('Expected the name of a tensor in tensors[] for operators[0].inputs[1] but received "nope"');
    expect(specError({ ...base, outputs: ['w2'] }))
      .toBe('Expected the name of a tensor in tensors[] for outputs[0] but received "w2"');
    expect(specError({ ...base, tensors: [...base.tensors, { name: 'x', type: 'int8', shape: [1] }] }))
      .toBe('Expected a name not used by another tensor for tensors[3].name but received "x"');
  });

  it('checks constant data against type and shape', () => {
    const withData = (data: ModelSpec['tensors'][number]['data']): ModelSpec => ({
      ...base, tensors: [base.tensors[0]!, { ...base.tensors[1]!, data }, base.tensors[2]!],
    });
    expect(specError(withData(new Float32Array(8))))
      .toBe('Expected Int8Array (or raw bytes as Uint8Array) for type int8 for tensors[1].data but received Float32Array(32 bytes)');
    expect(specError(withData(new Int8Array(7))))
      .toBe('Expected 8 bytes for shape [2, 4] of int8 for tensors[1].data but received Int8Array(7 bytes)');
    expect(() => writeModel(withData(new Uint8Array(8)))).not.toThrow();
  });

  it('checks quantisation parameters', () => {
    const withQuant = (quantization: NonNullable<ModelSpec['tensors'][number]['quantization']>): ModelSpec => ({
      ...base, tensors: [base.tensors[0]!, { ...base.tensors[1]!, quantization }, base.tensors[2]!],
    });
    expect(specError(withQuant({ scale: [0.1, 0.2], zeroPoint: [0] })))
      .toBe('Expected 2 integer zero point(s) for tensors[1].quantization.zeroPoint but received [0]');
    expect(specError(withQuant({ scale: [0, 1], zeroPoint: [0, 0] })))
      .toBe('Expected one or more finite scales > 0 for tensors[1].quantization.scale but received [0, 1]');
    expect(specError(withQuant({ scale: [1, 1, 1], zeroPoint: [0, 0, 0], quantizedDimension: 1 })))
      .toBe('Expected an axis of shape [2, 4] with 3 channels for tensors[1].quantization.quantizedDimension but received 1');
  });

  it('checks custom op names', () => {
    expect(specError({ ...base, operators: [{ op: 'CUSTOM', customCode: '', inputs: ['x'], outputs: ['y'] }] }))
      .toBe('Expected a non-empty custom op name for operators[0].customCode but received ""');
  });
});

import { describe, expect, it } from 'vitest';
import { readModel, TfliteFormatError, writeModel, type MetadataSpec, type ModelSpec } from '../../src/tflite/index.js';
import { buildZip, concatBytes } from '../../src/tflite/zip-writer.js';
import { int8ConvAvgPoolSoftmax, uint8Classifier } from '../helpers/models.js';

function formatError(fn: () => unknown): TfliteFormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TfliteFormatError) return err;
    throw err;
  }
  throw new Error('expected a TfliteFormatError');
}

/** float32 [1,4] → ADD → [1,4] with the given metadata. */
function withMetadata(metadata: MetadataSpec): ModelSpec {
  return {
    tensors: [
      { name: 'a', type: 'float32', shape: [1, 4] }, { name: 'b', type: 'float32', shape: [1, 4] }, { name: 'y', type: 'float32', shape: [1, 4] },
    ],
    operators: [{ op: 'ADD', inputs: ['a', 'b'], outputs: ['y'] }],
    inputs: ['a', 'b'],
    outputs: ['y'],
    metadata,
  };
}

/** float32 [1,4] a, b -> ADD -> y, SUB -> z: two outputs with the given metadata. */
function twoOutputs(metadata: MetadataSpec): ModelSpec {
  const t = (name: string) => ({ name, type: 'float32' as const, shape: [1, 4] });
  return {
    tensors: [t('a'), t('b'), t('y'), t('z')],
    operators: [{ op: 'ADD', inputs: ['a', 'b'], outputs: ['y'] }, { op: 'SUB', inputs: ['a', 'b'], outputs: ['z'] }],
    inputs: ['a', 'b'],
    outputs: ['y', 'z'],
    metadata,
  };
}

const LABELS_FILE = [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS' as const }];

describe('TFLITE_METADATA', () => {
  it('round-trips the classifier metadata and the packed labels', () => {
    expect(readModel(int8ConvAvgPoolSoftmax().bytes).metadata).toEqual({
      name: 'TinyInt8Classifier',
      description: 'Test classifier written by edgepipe tests.',
      version: 'v1',
      author: 'edgepipe',
      license: 'Apache-2.0',
      minParserVersion: '1.0.0',
      inputs: [{
        name: 'image', description: 'RGB image', content: { kind: 'image', colorSpace: 'RGB' },
        normalization: { mean: [127.5], std: [127.5] }, range: { min: [0], max: [255] }, associatedFiles: [],
      }],
      outputs: [{
        name: 'probability', content: { kind: 'feature' }, range: { min: [0], max: [1] },
        associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS', description: 'Class names, one per line.' }],
      }],
      labels: ['cat', 'dog', 'bird', 'fish'],
      labelsFrom: { output: 0, file: 'labels.txt', type: 'TENSOR_AXIS_LABELS' },
      associatedFiles: ['labels.txt'],
      packedFiles: ['labels.txt'],
      warnings: [],
    });
    expect(readModel(uint8Classifier().bytes).metadata?.labels).toEqual(['red', 'green', 'blue']);
  });

  it('reads stored (uncompressed) files and strips CRLF line ends', () => {
    const bytes = writeModel(withMetadata({
      outputs: [{ associatedFiles: LABELS_FILE }],
      files: [{ name: 'labels.txt', data: 'a\r\nb b\r\n\r\nd\r\n', compression: 'store' }],
    }));
    expect(readModel(bytes).metadata?.labels).toEqual(['a', 'b b', '', 'd']);
  });

  it('takes labels from the first TENSOR_AXIS_LABELS file of the first output', () => {
    const bytes = writeModel(withMetadata({
      outputs: [{
        associatedFiles: [
          { name: 'readme.txt', type: 'DESCRIPTIONS' },
          { name: 'fr.txt', type: 'TENSOR_AXIS_LABELS', locale: 'fr' },
          { name: 'en.txt', type: 'TENSOR_AXIS_LABELS', locale: 'en' },
        ],
      }],
      files: [{ name: 'readme.txt', data: 'hello' }, { name: 'en.txt', data: 'one\ntwo' }, { name: 'fr.txt', data: 'un\ndeux' }],
    }));
    const meta = readModel(bytes).metadata;
    expect(meta?.labels).toEqual(['un', 'deux']);
    expect(meta?.outputs[0]?.associatedFiles[1]).toEqual({ name: 'fr.txt', type: 'TENSOR_AXIS_LABELS', locale: 'fr' });
    expect(meta?.associatedFiles).toEqual(['readme.txt', 'fr.txt', 'en.txt']);
  });

  it('reads TENSOR_VALUE_LABELS on a later output (a detector\'s classes), as the Task Library does', () => {
    const bytes = writeModel(twoOutputs({
      outputs: [{ name: 'locations' }, { name: 'classes', associatedFiles: [{ name: 'labelmap.txt', type: 'TENSOR_VALUE_LABELS' }] }],
      files: [{ name: 'labelmap.txt', data: 'person\nbicycle\ncar\n' }],
    }));
    const meta = readModel(bytes).metadata;
    expect(meta?.labels).toEqual(['person', 'bicycle', 'car']);
    expect(meta?.labelsFrom).toEqual({ output: 1, file: 'labelmap.txt', type: 'TENSOR_VALUE_LABELS' });
  });

  it('prefers TENSOR_AXIS_LABELS on any output to TENSOR_VALUE_LABELS, and ignores other file types', () => {
    const bytes = writeModel(twoOutputs({
      outputs: [
        { associatedFiles: [{ name: 'values.txt', type: 'TENSOR_VALUE_LABELS' }, { name: 'vocab.txt', type: 'VOCABULARY' }] },
        { associatedFiles: [{ name: 'axis.txt', type: 'TENSOR_AXIS_LABELS' }] },
      ],
      files: [{ name: 'values.txt', data: 'v0\nv1' }, { name: 'axis.txt', data: 'a0\na1' }, { name: 'vocab.txt', data: 'w' }],
    }));
    expect(readModel(bytes).metadata).toMatchObject({ labels: ['a0', 'a1'], labelsFrom: { output: 1, file: 'axis.txt', type: 'TENSOR_AXIS_LABELS' } });
    const none = writeModel(twoOutputs({ outputs: [{ associatedFiles: [{ name: 'vocab.txt', type: 'VOCABULARY' }] }], files: [{ name: 'vocab.txt', data: 'w' }] }));
    expect(readModel(none).metadata).not.toHaveProperty('labels');
    expect(readModel(none).metadata).not.toHaveProperty('labelsFrom');
  });

  it('warns when a declared file is not packed, or when there is no archive at all', () => {
    const missing = writeModel(withMetadata({ outputs: [{ associatedFiles: LABELS_FILE }], files: [{ name: 'other.txt', data: 'x' }] }));
    expect(readModel(missing).metadata).toMatchObject({
      packedFiles: ['other.txt'], warnings: ['associated file "labels.txt" is not packed in the model'],
    });
    expect(readModel(missing).metadata).not.toHaveProperty('labels');
    const noZip = writeModel(withMetadata({ outputs: [{ associatedFiles: LABELS_FILE }] }));
    expect(readModel(noZip).metadata?.warnings).toEqual(['metadata lists 1 associated file(s) but no zip archive is appended to the model']);
  });

  it('reads archives whose offsets are relative to the archive start', () => {
    const flat = writeModel(withMetadata({ outputs: [{ associatedFiles: LABELS_FILE }] }));
    const bytes = concatBytes([flat, buildZip([{ name: 'labels.txt', data: 'x\ny\n' }], 0)]);
    expect(readModel(bytes).metadata?.labels).toEqual(['x', 'y']);
  });

  it('reports a corrupt label file by name', () => {
    const bytes = writeModel(withMetadata({
      outputs: [{ associatedFiles: LABELS_FILE }], files: [{ name: 'labels.txt', data: 'alpha\nbeta\n', compression: 'store' }],
    }));
    const at = Buffer.from(bytes).indexOf('alpha');
    bytes[at] = 'A'.charCodeAt(0);
    expect(formatError(() => readModel(bytes, 'm.tflite')).message).toBe('m.tflite: zip: CRC mismatch in "labels.txt"');
  });

  it('reports a metadata buffer that is not a ModelMetadata flatbuffer', () => {
    const bytes = writeModel(withMetadata({ name: 'x' }));
    const at = Buffer.from(bytes).indexOf('M001');
    bytes.set(Buffer.from('M002'), at);
    expect(formatError(() => readModel(bytes, 'm.tflite')).message)
      .toBe('m.tflite: TFLITE_METADATA: not a metadata flatbuffer (identifier "M002", expected "M001")');
  });

  it('omits metadata for models without a TFLITE_METADATA entry', () => {
    const spec = withMetadata({});
    const { metadata: _unused, ...plain } = spec;
    expect(readModel(writeModel(plain))).not.toHaveProperty('metadata');
  });
});

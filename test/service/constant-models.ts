/**
 * Tiny image classifiers, written with the project's own TFLite writer, that always give the same answer: a reload
 * test tells which model a prediction came from by its label. int8 [1,32,32,3] -> AVERAGE_POOL_2D -> RESHAPE ->
 * FULLY_CONNECTED (zero weights; the bias makes class `winner` win) -> SOFTMAX, labels in the metadata.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeModel } from '../../src/tflite/writer.js';

/** Writes the model to `dir/name` and returns its path. */
export function writeConstantClassifier(dir: string, name: string, labels: readonly string[], winner: number): string {
  const size = 32;
  const classes = labels.length;
  const q = (scale: number, zeroPoint = 0) => ({ scale: [Math.fround(scale)], zeroPoint: [zeroPoint] });
  const inScale = 1 / 255;
  const weightScale = 0.01;
  const biasScale = Math.fround(Math.fround(inScale) * Math.fround(weightScale));
  // Logit 4 for the winner, 0 for the others: after the softmax the winner scores ~0.95 with two classes.
  const bias = Int32Array.from({ length: classes }, (_, i) => (i === winner ? Math.round(4 / biasScale) : 0));
  const bytes = writeModel({
    description: `constant classifier: always ${labels[winner]}`,
    tensors: [
      { name: 'image', type: 'int8', shape: [1, size, size, 3], quantization: q(inScale, -128) },
      { name: 'mean', type: 'int8', shape: [1, 1, 1, 3], quantization: q(inScale, -128) },
      { name: 'rgb', type: 'int8', shape: [1, 3], quantization: q(inScale, -128) },
      { name: 'w', type: 'int8', shape: [classes, 3], quantization: q(weightScale), data: new Int8Array(classes * 3) },
      { name: 'b', type: 'int32', shape: [classes], quantization: { scale: [biasScale], zeroPoint: [0] }, data: bias },
      { name: 'logits', type: 'int8', shape: [1, classes], quantization: q(8 / 255) },
      { name: 'probability', type: 'int8', shape: [1, classes], quantization: q(1 / 256, -128) },
    ],
    operators: [
      { op: 'AVERAGE_POOL_2D', inputs: ['image'], outputs: ['mean'], options: { filterWidth: size, filterHeight: size, padding: 'VALID', strideW: size, strideH: size } },
      { op: 'RESHAPE', inputs: ['mean'], outputs: ['rgb'], options: { newShape: [1, 3] } },
      { op: 'FULLY_CONNECTED', inputs: ['rgb', 'w', 'b'], outputs: ['logits'] },
      { op: 'SOFTMAX', inputs: ['logits'], outputs: ['probability'] },
    ],
    inputs: ['image'],
    outputs: ['probability'],
    metadata: {
      name: 'constant classifier',
      inputs: [{ name: 'image', content: { kind: 'image', colorSpace: 'RGB' }, normalization: { mean: [0], std: [255] } }],
      outputs: [{ name: 'probability', associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS' }] }],
      files: [{ name: 'labels.txt', data: `${labels.join('\n')}\n` }],
    },
  });
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Image-input models written for engine tests. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { colourClassifierModel } from '../../src/demo/colour-classifier.js';
import { writeModel } from '../../src/tflite/writer.js';

/** The demo's colour classifier (int8 [1,32,32,3] -> 4 classes with labels in metadata), written to `dir`. */
export function writeColourModel(dir: string): string {
  const file = path.join(dir, 'colour.tflite');
  writeFileSync(file, colourClassifierModel());
  return file;
}

/**
 * A deliberately slow classifier: int8 [1,96,96,3] -> CONV_2D 3x3 to 64 channels -> AVERAGE_POOL_2D -> RESHAPE
 * -> [1,64]. About 16 M multiply-adds: milliseconds per invoke on the CPU kernels, so a fast source outruns it.
 */
export function writeSlowModel(dir: string): string {
  const size = 96;
  const channels = 64;
  const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint] });
  const weights = Int8Array.from({ length: channels * 3 * 3 * 3 }, (_, i) => ((i * 37) % 255) - 127);
  const bytes = writeModel({
    tensors: [
      { name: 'image', type: 'int8', shape: [1, size, size, 3], quantization: q(1 / 255, -128) },
      { name: 'w', type: 'int8', shape: [channels, 3, 3, 3], quantization: { scale: new Array(channels).fill(0.01), zeroPoint: new Array(channels).fill(0), quantizedDimension: 0 }, data: weights },
      { name: 'b', type: 'int32', shape: [channels], quantization: { scale: new Array(channels).fill(0.01 / 255), zeroPoint: new Array(channels).fill(0) }, data: new Int32Array(channels) },
      { name: 'conv', type: 'int8', shape: [1, size, size, channels], quantization: q(0.05, 0) },
      { name: 'pool', type: 'int8', shape: [1, 1, 1, channels], quantization: q(0.05, 0) },
      { name: 'scores', type: 'int8', shape: [1, channels], quantization: q(0.05, 0) },
    ],
    operators: [
      { op: 'CONV_2D', inputs: ['image', 'w', 'b'], outputs: ['conv'], options: { padding: 'SAME' } },
      { op: 'AVERAGE_POOL_2D', inputs: ['conv'], outputs: ['pool'], options: { filterWidth: size, filterHeight: size, padding: 'VALID', strideW: size, strideH: size } },
      { op: 'RESHAPE', inputs: ['pool'], outputs: ['scores'], options: { newShape: [1, channels] } },
    ],
    inputs: ['image'],
    outputs: ['scores'],
  });
  const file = path.join(dir, 'slow.tflite');
  writeFileSync(file, bytes);
  return file;
}

/** A detection a YOLO-layout test model always reports: centre and size normalised to the input, best class, score. */
export interface FixedDetection {
  cx: number;
  cy: number;
  w: number;
  h: number;
  classIndex: number;
  score: number;
}

/**
 * A model with a YOLOv8-style raw output: int8 [1,32,32,3] -> AVERAGE_POOL_2D 8x8 -> RESHAPE [1,48] ->
 * FULLY_CONNECTED -> RESHAPE [1, 4+classes, boxes] (transposed rows: cx, cy, w, h, class scores; no objectness).
 * The weights are zero and the biases hold `detections` (boxes after them score 0), so the output is known
 * whatever the image: the structure of a real export with answers a test can check.
 */
export function writeYoloLayoutModel(dir: string, name: string, classes: number, boxes: number, detections: readonly FixedDetection[] = []): string {
  const attributes = 4 + classes;
  const outputs = attributes * boxes;
  const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint] });
  const biasScale = (1 / 255) * 0.01;
  // Real output values in [0, 2) with the output's scale 1/128 and zero point -128; attribute k of box n at k*boxes + n.
  const real = new Float64Array(outputs);
  detections.forEach((d, n) => {
    [d.cx, d.cy, d.w, d.h].forEach((v, k) => (real[k * boxes + n] = v));
    real[(4 + d.classIndex) * boxes + n] = d.score;
  });
  // With zero weights the layer's real output is bias * biasScale, stored as round(that * 128) - 128.
  const bias = Int32Array.from(real, (r) => Math.round(r / biasScale));
  const bytes = writeModel({
    tensors: [
      { name: 'images', type: 'int8', shape: [1, 32, 32, 3], quantization: q(1 / 255, -128) },
      { name: 'pooled', type: 'int8', shape: [1, 4, 4, 3], quantization: q(1 / 255, -128) },
      { name: 'flat', type: 'int8', shape: [1, 48], quantization: q(1 / 255, -128) },
      { name: 'w', type: 'int8', shape: [outputs, 48], quantization: q(0.01, 0), data: new Int8Array(outputs * 48) },
      { name: 'b', type: 'int32', shape: [outputs], quantization: q(biasScale, 0), data: bias },
      { name: 'dense', type: 'int8', shape: [1, outputs], quantization: q(1 / 128, -128) },
      { name: 'output0', type: 'int8', shape: [1, attributes, boxes], quantization: q(1 / 128, -128) },
    ],
    operators: [
      { op: 'AVERAGE_POOL_2D', inputs: ['images'], outputs: ['pooled'], options: { filterWidth: 8, filterHeight: 8, padding: 'VALID', strideW: 8, strideH: 8 } },
      { op: 'RESHAPE', inputs: ['pooled'], outputs: ['flat'], options: { newShape: [1, 48] } },
      { op: 'FULLY_CONNECTED', inputs: ['flat', 'w', 'b'], outputs: ['dense'] },
      { op: 'RESHAPE', inputs: ['dense'], outputs: ['output0'], options: { newShape: [1, attributes, boxes] } },
    ],
    inputs: ['images'],
    outputs: ['output0'],
  });
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

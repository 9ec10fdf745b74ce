/** Image-input models written for engine tests. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { colourClassifierModel } from '../../src/demo/colour-classifier.js';
import { writeModel } from '../../src/tflite/writer.js';
import { yoloLayoutModel, type FixedDetection } from '../../src/demo/yolo-layout-model.js';

/** The demo's colour classifier (int8 [1,32,32,3] -> 4 classes with labels in metadata), written to `dir`. */
export function writeColourModel(dir: string): string {
  const file = path.join(dir, 'colour.tflite');
  writeFileSync(file, colourClassifierModel());
  return file;
}

/**
 * A deliberately slow classifier: int8 [1,96,96,3] -> CONV_2D 3x3 to 64 channels -> AVERAGE_POOL_2D -> RESHAPE
 * -> [1,64]. About 16 M multiply-adds: milliseconds per invoke on the CPU kernels, so a fast source outruns it.
 * More `channels` make it slower in proportion (256: ~4x), e.g. to be slower than preprocessing a frame.
 */
export function writeSlowModel(dir: string, channels = 64): string {
  const size = 96;
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
  const file = path.join(dir, channels === 64 ? 'slow.tflite' : `slow-${channels}.tflite`);
  writeFileSync(file, bytes);
  return file;
}

export type { FixedDetection } from '../../src/demo/yolo-layout-model.js';

/** The YOLO-layout stand-in of src/demo/yolo-layout-model.ts, written to `dir/name`. */
export function writeYoloLayoutModel(dir: string, name: string, classes: number, boxes: number, detections: readonly FixedDetection[] = []): string {
  const file = path.join(dir, name);
  writeFileSync(file, yoloLayoutModel(classes, boxes, detections));
  return file;
}

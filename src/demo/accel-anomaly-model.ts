/**
 * The sensor examples' stand-in anomaly scorer (pipelines/accelerometer-anomaly.yaml, serial-sensor.yaml,
 * mqtt-sensor.yaml), written by edgepipe's own TFLite writer. Not trained: it scores a window by its energy,
 * score = min(1, mean(x^2) / 4) over the 128 x 3 normalised values, so a window that stays within about one
 * training standard deviation of the mean scores about 0.25 and one whose RMS exceeds ~1.8 deviations scores above
 * 0.8. Enough to see the pipeline flag a shaken sensor; replace it with a model trained on the machine.
 *
 * int8 [1,384] -> MUL (x * x) -> FULLY_CONNECTED (every weight 1/(4 * 384)) -> int8 [1,1] in [0, 1].
 */
import { writeModel } from '../tflite/writer.js';

export const ACCEL_WINDOW = { steps: 128, channels: 3 } as const;

const f32 = Math.fround;

export function accelAnomalyModel(): Uint8Array {
  const size = ACCEL_WINDOW.steps * ACCEL_WINDOW.channels;
  const q = (scale: number, zeroPoint = 0) => ({ scale: [f32(scale)], zeroPoint: [zeroPoint] });
  const inScale = 1 / 32; // normalised values in [-4, 4)
  const squareScale = 16 / 255; // squares in [0, 16]
  const weight = 1 / (4 * size);
  const weightScale = weight / 127;
  return writeModel({
    description: 'edgepipe stand-in anomaly scorer: min(1, mean(x^2) / 4) of a 128 x 3 window',
    tensors: [
      { name: 'window', type: 'int8', shape: [1, size], quantization: q(inScale) },
      { name: 'squares', type: 'int8', shape: [1, size], quantization: q(squareScale, -128) },
      { name: 'weights', type: 'int8', shape: [1, size], quantization: q(weightScale), data: new Int8Array(size).fill(127) },
      { name: 'bias', type: 'int32', shape: [1], quantization: q(f32(squareScale) * f32(weightScale)), data: new Int32Array(1) },
      { name: 'score', type: 'int8', shape: [1, 1], quantization: q(1 / 255, -128) },
    ],
    operators: [
      { op: 'MUL', inputs: ['window', 'window'], outputs: ['squares'] },
      { op: 'FULLY_CONNECTED', inputs: ['squares', 'weights', 'bias'], outputs: ['score'] },
    ],
    inputs: ['window'],
    outputs: ['score'],
  });
}

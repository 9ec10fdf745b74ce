/** Sensor-window models written for tests and for the sensor example pipelines. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { int8FullyConnected, type TestModel } from './models.js';

/** int8 [1, inputSize] -> FULLY_CONNECTED -> int8 [1, outputSize], with its bit-exact reference, written to `dir/name`. */
export function writeSensorModel(dir: string, name: string, inputSize: number, outputSize: number, seed = 7): { file: string; model: TestModel<[Int8Array], Int8Array> } {
  const model = int8FullyConnected({ inputSize, outputSize, seed });
  const file = path.join(dir, name);
  writeFileSync(file, model.bytes);
  return { file, model };
}

/**
 * The models the sensor examples in pipelines/ name under ${EDGEPIPE_MODELS}: an anomaly scorer for 128 x 3
 * accelerometer windows and a 4-class keyword model on one second of 16 kHz audio, with its labels file.
 */
export function writeSensorExampleModels(dir: string): void {
  writeSensorModel(dir, 'accel_anomaly_int8.tflite', 128 * 3, 1);
  writeSensorModel(dir, 'keyword_int8.tflite', 16000, 4);
  writeFileSync(path.join(dir, 'keyword_labels.txt'), 'silence\nunknown\nyes\nno\n');
}

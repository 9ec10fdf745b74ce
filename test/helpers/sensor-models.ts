/** Sensor-window models written for tests (the examples' models: src/demo/example-models.ts). */
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


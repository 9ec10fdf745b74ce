// Single-op models: int8 FULLY_CONNECTED, int8 ADD, float32 ADD.
import type { ModelSpec } from '../../../src/tflite/index.js';
import type { QuantizedMultiplier } from '../reference/fixedpoint.js';
import { addQuantized, fullyConnected, fullyConnectedMultiplier } from '../reference/kernels.js';
import { randomInt8, randomInts, rng } from '../reference/random.js';
import { build, calibrateAccumulators, f, FULL_RANGE, IDENTITY, q1, toInt8, type TestModel } from './common.js';

/**
 * int8 [1, inputSize] → FULLY_CONNECTED (per-tensor int8 weights, int32 bias) → int8 [1, outputSize].
 * @param inputSize, outputSize ≥ 1; seed any integer (weights and scales derive from it)
 */
export function int8FullyConnected(o: { inputSize: number; outputSize: number; seed: number }): TestModel<[Int8Array], Int8Array> {
  const r = rng(o.seed);
  const inS = f(0.02 + 0.03 * r());
  const inZp = randomInts(r, 1, -10, 10)[0] ?? 0;
  const wS = f(0.002 + 0.008 * r());
  const weights = Int8Array.from(randomInts(r, o.inputSize * o.outputSize, -127, 127));
  const bias = Int32Array.from(randomInts(r, o.outputSize, -2000, 2000));
  const fc = (input: Int8Array, multiplier: QuantizedMultiplier, outputZeroPoint: number, range: readonly [number, number]): Int32Array =>
    fullyConnected({ input, inputZeroPoint: inZp, batches: 1, depth: o.inputSize, weights, weightsZeroPoint: 0, units: o.outputSize, bias, multiplier, outputZeroPoint, range });
  const calibration = [1, 2, 3, 4].map((k) => fc(randomInt8(o.inputSize, o.seed * 31 + k), IDENTITY, 0, FULL_RANGE));
  const out = calibrateAccumulators(calibration, () => f(inS * wS), 'int8', false);
  const multiplier = fullyConnectedMultiplier(inS, wS, out.scale);
  const spec: ModelSpec = {
    description: `int8 fully connected ${o.inputSize}->${o.outputSize}, seed ${o.seed}`,
    tensors: [
      { name: 'input', type: 'int8', shape: [1, o.inputSize], quantization: q1(inS, inZp) },
      { name: 'weights', type: 'int8', shape: [o.outputSize, o.inputSize], quantization: q1(wS, 0), data: weights },
      { name: 'bias', type: 'int32', shape: [o.outputSize], quantization: q1(f(inS * wS), 0), data: bias },
      { name: 'output', type: 'int8', shape: [1, o.outputSize], quantization: q1(out.scale, out.zeroPoint) },
    ],
    operators: [{ op: 'FULLY_CONNECTED', inputs: ['input', 'weights', 'bias'], outputs: ['output'] }],
    inputs: ['input'],
    outputs: ['output'],
  };
  return build(spec, (input: Int8Array) => toInt8(fc(input, multiplier, out.zeroPoint, [-128, 127])));
}

/** Two int8 [1,2,3,4] inputs with different scales → ADD → int8 (rescaled sum, clamped). */
export function int8Add(): TestModel<[Int8Array, Int8Array], Int8Array> {
  const a = { scale: f(0.05), zeroPoint: -3 };
  const b = { scale: f(0.1), zeroPoint: 5 };
  const out = { scale: f(0.08), zeroPoint: 2 };
  const shape = [1, 2, 3, 4];
  const spec: ModelSpec = {
    tensors: [
      { name: 'a', type: 'int8', shape, quantization: q1(a.scale, a.zeroPoint) },
      { name: 'b', type: 'int8', shape, quantization: q1(b.scale, b.zeroPoint) },
      { name: 'sum', type: 'int8', shape, quantization: q1(out.scale, out.zeroPoint) },
    ],
    operators: [{ op: 'ADD', inputs: ['a', 'b'], outputs: ['sum'] }],
    inputs: ['a', 'b'],
    outputs: ['sum'],
  };
  return build(spec, (x: Int8Array, y: Int8Array) => toInt8(addQuantized({
    a: x, aScale: a.scale, aZeroPoint: a.zeroPoint, b: y, bScale: b.scale, bZeroPoint: b.zeroPoint,
    outputScale: out.scale, outputZeroPoint: out.zeroPoint, range: [-128, 127],
  })));
}

/** Two float32 [1,8] inputs → ADD → float32 (IEEE single sum). */
export function float32Add(): TestModel<[Float32Array, Float32Array], Float32Array> {
  const shape = [1, 8];
  const spec: ModelSpec = {
    tensors: [
      { name: 'a', type: 'float32', shape }, { name: 'b', type: 'float32', shape }, { name: 'sum', type: 'float32', shape },
    ],
    operators: [{ op: 'ADD', inputs: ['a', 'b'], outputs: ['sum'] }],
    inputs: ['a', 'b'],
    outputs: ['sum'],
  };
  return build(spec, (x: Float32Array, y: Float32Array) => Float32Array.from(x, (v, i) => f(v + (y[i] ?? 0))));
}


// Image-shaped test models: a tiny int8 classifier with metadata and labels, a depthwise conv,
// and a uint8 (TF1-style) classifier.
import type { MetadataSpec, ModelSpec } from '../../../src/tflite/index.js';
import { activationRange } from '../reference/fixedpoint.js';
import {
  averagePool, conv2d, convMultiplier, fullyConnected, fullyConnectedMultiplier, softmaxQuantized, type ConvGeometry,
} from '../reference/kernels.js';
import { randomInt8, randomInts, randomUint8, rng } from '../reference/random.js';
import {
  build, calibrateAccumulators, f, FULL_RANGE, IDENTITY, toInt8, toUint8, q1, type ClassifierModel, type TestModel,
} from './common.js';

const SOFTMAX_SCALE = f(1 / 256);

function classifierMetadata(name: string, labels: readonly string[]): MetadataSpec {
  return {
    name,
    description: 'Test classifier written by edgepipe tests.',
    version: 'v1',
    author: 'edgepipe',
    license: 'Apache-2.0',
    inputs: [{
      name: 'image', description: 'RGB image', content: { kind: 'image', colorSpace: 'RGB' },
      normalization: { mean: [127.5], std: [127.5] }, range: { min: [0], max: [255] },
    }],
    outputs: [{
      name: 'probability', content: { kind: 'feature' }, range: { min: [0], max: [1] },
      associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS', description: 'Class names, one per line.' }],
    }],
    files: [{ name: 'labels.txt', data: `${labels.join('\n')}\n` }],
  };
}

/**
 * int8 [1,8,8,3] (scale 2/255, zp -1) → CONV_2D 3x3x8 SAME RELU (per-channel) → AVERAGE_POOL_2D 2x2/2
 * → RESHAPE [1,128] → FULLY_CONNECTED 128→4 → SOFTMAX → int8 [1,4] (scale 1/256, zp -128),
 * with metadata (normalisation mean 127.5 std 127.5) and 4 labels packed as labels.txt.
 */
export function int8ConvAvgPoolSoftmax(o: { seed?: number } = {}): ClassifierModel<Int8Array> {
  const seed = o.seed ?? 7;
  const r = rng(seed);
  const labels = ['cat', 'dog', 'bird', 'fish'];
  const inQ = { scale: f(2 / 255), zeroPoint: -1 };
  const channels = 8;
  const convW = Int8Array.from(randomInts(r, channels * 3 * 3 * 3, -127, 127));
  const convWS = Array.from({ length: channels }, () => f(0.004 + 0.006 * r()));
  const convB = Int32Array.from(randomInts(r, channels, -300, 300));
  const geometry: ConvGeometry = { padding: 'SAME', strideH: 1, strideW: 1 };
  const conv = (x: Int8Array, multipliers: readonly (typeof IDENTITY)[], zp: number, range: readonly [number, number]): Int32Array =>
    conv2d({
      input: x, inputShape: [1, 8, 8, 3], inputZeroPoint: inQ.zeroPoint, filter: convW, filterShape: [channels, 3, 3, 3],
      bias: convB, multipliers, outputZeroPoint: zp, range, geometry,
    }).output;
  const samples = [1, 2, 3, 4].map((k) => randomInt8(192, seed * 31 + k));
  const convQ = calibrateAccumulators(samples.map((x) => conv(x, [IDENTITY], 0, FULL_RANGE)), (i) => inQ.scale * (convWS[i % channels] ?? 0), 'int8', true);
  const convMultipliers = convWS.map((s) => convMultiplier(inQ.scale, s, convQ.scale));
  const convRange = activationRange('RELU', convQ.scale, convQ.zeroPoint, 'int8');
  const pool = (x: Int32Array): Int32Array =>
    averagePool({ input: x, inputShape: [1, 8, 8, channels], filterH: 2, filterW: 2, strideH: 2, strideW: 2, padding: 'VALID', range: [-128, 127] }).output;

  const fcW = Int8Array.from(randomInts(r, 4 * 128, -127, 127));
  const fcWS = f(0.003 + 0.005 * r());
  const fcB = Int32Array.from(randomInts(r, 4, -1000, 1000));
  const fc = (x: Int32Array, multiplier: typeof IDENTITY, zp: number, range: readonly [number, number]): Int32Array =>
    fullyConnected({ input: x, inputZeroPoint: convQ.zeroPoint, batches: 1, depth: 128, weights: fcW, weightsZeroPoint: 0, units: 4, bias: fcB, multiplier, outputZeroPoint: zp, range });
  const features = (x: Int8Array): Int32Array => pool(conv(x, convMultipliers, convQ.zeroPoint, convRange));
  const logitsQ = calibrateAccumulators(samples.map((x) => fc(features(x), IDENTITY, 0, FULL_RANGE)), () => convQ.scale * fcWS, 'int8', false);
  const fcMultiplier = fullyConnectedMultiplier(convQ.scale, fcWS, logitsQ.scale);

  const convOutQ = q1(convQ.scale, convQ.zeroPoint);
  const spec: ModelSpec = {
    description: 'tiny int8 image classifier',
    subgraphName: 'main',
    minRuntimeVersion: '2.3.0',
    tensors: [
      { name: 'image', type: 'int8', shape: [1, 8, 8, 3], quantization: q1(inQ.scale, inQ.zeroPoint) },
      { name: 'conv/weights', type: 'int8', shape: [channels, 3, 3, 3], quantization: { scale: convWS, zeroPoint: convWS.map(() => 0), quantizedDimension: 0 }, data: convW },
      { name: 'conv/bias', type: 'int32', shape: [channels], quantization: { scale: convWS.map((s) => f(inQ.scale * s)), zeroPoint: convWS.map(() => 0) }, data: convB },
      { name: 'conv/relu', type: 'int8', shape: [1, 8, 8, channels], quantization: convOutQ },
      { name: 'pool', type: 'int8', shape: [1, 4, 4, channels], quantization: convOutQ },
      { name: 'flatten/shape', type: 'int32', shape: [2], data: Int32Array.from([1, 128]) },
      { name: 'flatten', type: 'int8', shape: [1, 128], quantization: convOutQ },
      { name: 'dense/weights', type: 'int8', shape: [4, 128], quantization: q1(fcWS, 0), data: fcW },
      { name: 'dense/bias', type: 'int32', shape: [4], quantization: q1(f(convQ.scale * fcWS), 0), data: fcB },
      { name: 'logits', type: 'int8', shape: [1, 4], quantization: q1(logitsQ.scale, logitsQ.zeroPoint) },
      { name: 'probability', type: 'int8', shape: [1, 4], quantization: q1(SOFTMAX_SCALE, -128) },
    ],
    operators: [
      { op: 'CONV_2D', inputs: ['image', 'conv/weights', 'conv/bias'], outputs: ['conv/relu'], options: { padding: 'SAME', activation: 'RELU' } },
      { op: 'AVERAGE_POOL_2D', inputs: ['conv/relu'], outputs: ['pool'], options: { filterWidth: 2, filterHeight: 2, strideW: 2, strideH: 2, padding: 'VALID' } },
      { op: 'RESHAPE', inputs: ['pool', 'flatten/shape'], outputs: ['flatten'] },
      { op: 'FULLY_CONNECTED', inputs: ['flatten', 'dense/weights', 'dense/bias'], outputs: ['logits'] },
      { op: 'SOFTMAX', inputs: ['logits'], outputs: ['probability'], options: { beta: 1 } },
    ],
    inputs: ['image'],
    outputs: ['probability'],
    metadata: classifierMetadata('TinyInt8Classifier', labels),
  };
  const model = build(spec, (x: Int8Array) => {
    const logits = fc(features(x), fcMultiplier, logitsQ.zeroPoint, [-128, 127]);
    return toInt8(softmaxQuantized({ input: logits, rowSize: 4, inputScale: logitsQ.scale, beta: 1, outputScale: SOFTMAX_SCALE, outputZeroPoint: -128, type: 'int8' }));
  });
  return { ...model, labels };
}

/** int8 [1,6,6,4] → DEPTHWISE_CONV_2D 3x3, depth multiplier 2, stride 2, SAME, RELU6 (per-channel) → int8 [1,3,3,8]. */
export function int8DepthwiseConv(o: { seed?: number } = {}): TestModel<[Int8Array], Int8Array> {
  const seed = o.seed ?? 11;
  const r = rng(seed);
  const inQ = { scale: f(0.05), zeroPoint: 2 };
  const outC = 8;
  const w = Int8Array.from(randomInts(r, 3 * 3 * outC, -127, 127));
  const wS = Array.from({ length: outC }, () => f(0.002 + 0.01 * r()));
  const bias = Int32Array.from(randomInts(r, outC, -500, 500));
  const geometry: ConvGeometry = { padding: 'SAME', strideH: 2, strideW: 2 };
  const dw = (x: Int8Array, multipliers: readonly (typeof IDENTITY)[], zp: number, range: readonly [number, number]): Int32Array =>
    conv2d({
      input: x, inputShape: [1, 6, 6, 4], inputZeroPoint: inQ.zeroPoint, filter: w, filterShape: [1, 3, 3, outC],
      bias, multipliers, outputZeroPoint: zp, range, geometry,
    }, true).output;
  const samples = [1, 2, 3].map((k) => randomInt8(144, seed * 31 + k));
  const outQ = calibrateAccumulators(samples.map((x) => dw(x, [IDENTITY], 0, FULL_RANGE)), (i) => inQ.scale * (wS[i % outC] ?? 0), 'int8', true);
  const multipliers = wS.map((s) => convMultiplier(inQ.scale, s, outQ.scale));
  const range = activationRange('RELU6', outQ.scale, outQ.zeroPoint, 'int8');
  const spec: ModelSpec = {
    tensors: [
      { name: 'input', type: 'int8', shape: [1, 6, 6, 4], quantization: q1(inQ.scale, inQ.zeroPoint) },
      { name: 'dw/weights', type: 'int8', shape: [1, 3, 3, outC], quantization: { scale: wS, zeroPoint: wS.map(() => 0), quantizedDimension: 3 }, data: w },
      { name: 'dw/bias', type: 'int32', shape: [outC], quantization: { scale: wS.map((s) => f(inQ.scale * s)), zeroPoint: wS.map(() => 0) }, data: bias },
      { name: 'output', type: 'int8', shape: [1, 3, 3, outC], quantization: q1(outQ.scale, outQ.zeroPoint) },
    ],
    operators: [{
      op: 'DEPTHWISE_CONV_2D', inputs: ['input', 'dw/weights', 'dw/bias'], outputs: ['output'],
      options: { padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU6' }, // depth multiplier 2, from the shapes
    }],
    inputs: ['input'],
    outputs: ['output'],
  };
  return build(spec, (x: Int8Array) => toInt8(dw(x, multipliers, outQ.zeroPoint, range)));
}

/**
 * uint8 [1,4,4,3] (scale 1/128, zp 128, like TF1 quantised MobileNets) → RESHAPE [1,48] →
 * FULLY_CONNECTED (uint8 weights, zero point ≠ 0) → SOFTMAX → uint8 [1,3] (scale 1/256, zp 0),
 * with metadata and 3 labels.
 */
export function uint8Classifier(o: { seed?: number } = {}): ClassifierModel<Uint8Array> {
  const seed = o.seed ?? 5;
  const r = rng(seed);
  const labels = ['red', 'green', 'blue'];
  const inQ = { scale: f(1 / 128), zeroPoint: 128 };
  const wQ = { scale: f(0.004 + 0.004 * r()), zeroPoint: 120 + Math.floor(r() * 16) };
  const w = Uint8Array.from(randomInts(r, 3 * 48, 0, 255));
  const bias = Int32Array.from(randomInts(r, 3, -3000, 3000));
  const fc = (x: Uint8Array, multiplier: typeof IDENTITY, zp: number, range: readonly [number, number]): Int32Array =>
    fullyConnected({ input: x, inputZeroPoint: inQ.zeroPoint, batches: 1, depth: 48, weights: w, weightsZeroPoint: wQ.zeroPoint, units: 3, bias, multiplier, outputZeroPoint: zp, range });
  const samples = [1, 2, 3, 4].map((k) => randomUint8(48, seed * 31 + k));
  const logitsQ = calibrateAccumulators(samples.map((x) => fc(x, IDENTITY, 0, FULL_RANGE)), () => inQ.scale * wQ.scale, 'uint8', false);
  const multiplier = fullyConnectedMultiplier(inQ.scale, wQ.scale, logitsQ.scale);
  const inQuant = q1(inQ.scale, inQ.zeroPoint);
  const spec: ModelSpec = {
    tensors: [
      { name: 'image', type: 'uint8', shape: [1, 4, 4, 3], quantization: inQuant },
      { name: 'flatten', type: 'uint8', shape: [1, 48], quantization: inQuant },
      { name: 'dense/weights', type: 'uint8', shape: [3, 48], quantization: q1(wQ.scale, wQ.zeroPoint), data: w },
      { name: 'dense/bias', type: 'int32', shape: [3], quantization: q1(f(inQ.scale * wQ.scale), 0), data: bias },
      { name: 'logits', type: 'uint8', shape: [1, 3], quantization: q1(logitsQ.scale, logitsQ.zeroPoint) },
      { name: 'probability', type: 'uint8', shape: [1, 3], quantization: q1(SOFTMAX_SCALE, 0) },
    ],
    operators: [
      { op: 'RESHAPE', inputs: ['image'], outputs: ['flatten'] },
      { op: 'FULLY_CONNECTED', inputs: ['flatten', 'dense/weights', 'dense/bias'], outputs: ['logits'] },
      { op: 'SOFTMAX', inputs: ['logits'], outputs: ['probability'] },
    ],
    inputs: ['image'],
    outputs: ['probability'],
    metadata: classifierMetadata('TinyUint8Classifier', labels),
  };
  const model = build(spec, (x: Uint8Array) => {
    const logits = fc(x, multiplier, logitsQ.zeroPoint, [0, 255]);
    return toUint8(softmaxQuantized({ input: logits, rowSize: 3, inputScale: logitsQ.scale, beta: 1, outputScale: SOFTMAX_SCALE, outputZeroPoint: 0, type: 'uint8' }));
  });
  return { ...model, labels };
}

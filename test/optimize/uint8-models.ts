// Tiny TF1-style uint8 models (asymmetric uint8 weights, RELU6 activations at scale 6/255 zero point 0, int32
// biases at input x weight scale), written with edgepipe's own writer for the optimize tests.
import { encode } from 'flatbuffers/mjs/flexbuffers.js';
import { writeModel, type MetadataSpec, type ModelSpec, type TensorSpec } from '../../src/tflite/index.js';
import { randomInts, rng } from '../tflite/reference/random.js';

const f = Math.fround;
const RELU6 = { scale: [f(6 / 255)], zeroPoint: [0] };

export interface Uint8ModelOptions {
  readonly seed?: number;
  /** Zero point of the first conv's weights (default 128). */
  readonly weightZeroPoint?: number;
  /** Weights whose centred values fit int8 at their own scale (default true): the rewrite then changes no weight. */
  readonly exact?: boolean;
  readonly metadata?: boolean;
  /** Without the final SOFTMAX the model outputs its logits (uint8, scale 0.1, zp 128). */
  readonly softmax?: boolean;
  /** Output the ADD (before RESHAPE and FULLY_CONNECTED), to see the convolutions' error without the FC's fan-in. */
  readonly stopAtAdd?: boolean;
}

/**
 * uint8 [1,8,8,3] (scale 1/128, zp 128) -> CONV_2D 3x3 -> 8 (RELU6) -> DEPTHWISE_CONV_2D 3x3 (RELU6)
 *   -> MAX_POOL_2D 2x2 --------------------------------\
 *   -> CONV_2D 1x1 -> 8 (no activation, own scale) -> AVERAGE_POOL_2D 2x2 -> CONCATENATION (axis 3, own scale)
 * -> ADD (with a 1x1 conv of the concatenation) -> RESHAPE [1, 256] -> FULLY_CONNECTED 256 -> 10
 * -> SOFTMAX -> uint8 [1,10] (scale 1/256, zp 0). The concatenation's inputs have three different scales.
 */
export function uint8Network(o: Uint8ModelOptions = {}): Uint8Array {
  const r = rng(o.seed ?? 11);
  const wzp = o.weightZeroPoint ?? 128;
  const dropped = o.stopAtAdd === true ? ['reshape', 'reshape/shape', 'fc/w', 'fc/b', 'logits', 'probabilities'] : o.softmax === false ? ['probabilities'] : [];
  const tensorsUsed = (list: TensorSpec[]): TensorSpec[] => list.filter((t) => !dropped.includes(t.name));
  const weights = (name: string, shape: number[], scale: number, zp = wzp): TensorSpec => {
    const n = shape.reduce((a, b) => a * b, 1);
    // Centred values spread over the whole uint8 range the zero point allows.
    // exact: centred values within +-127 (int8 holds them with the same scale); else the whole uint8 range, which
    // needs up to 255 steps on one side and a coarser int8 scale for those channels.
    const data = Uint8Array.from(o.exact === false ? randomInts(r, n, 0, 255) : randomInts(r, n, Math.max(0, zp - 127), Math.min(255, zp + 127)));
    return { name, type: 'uint8', shape, data, quantization: { scale: [f(scale)], zeroPoint: [zp] } };
  };
  const bias = (name: string, n: number, scale: number): TensorSpec => ({
    name, type: 'int32', shape: [n], data: Int32Array.from(randomInts(r, n, -2000, 2000)), quantization: { scale: [f(scale)], zeroPoint: [0] },
  });
  const act = (name: string, shape: number[], q = RELU6): TensorSpec => ({ name, type: 'uint8', shape, quantization: q });
  const inS = f(1 / 128);
  const w1S = 0.004;
  const w2S = 0.02;
  const w3S = 0.01;
  const w4S = 0.006;
  const fcS = 0.003;
  const aS = f(6 / 255);
  const q = (scale: number, zeroPoint: number): { scale: number[]; zeroPoint: number[] } => ({ scale: [f(scale)], zeroPoint: [zeroPoint] });
  const tensors: TensorSpec[] = [
    act('input', [1, 8, 8, 3], q(inS, 128)),
    weights('conv1/w', [8, 3, 3, 3], w1S), bias('conv1/b', 8, inS * w1S), act('conv1', [1, 8, 8, 8]),
    weights('dw/w', [1, 3, 3, 8], w2S, 110), bias('dw/b', 8, aS * w2S), act('dw', [1, 8, 8, 8]),
    act('maxpool', [1, 4, 4, 8]),
    weights('conv2/w', [8, 1, 1, 8], w3S, 140), bias('conv2/b', 8, aS * w3S), act('conv2', [1, 8, 8, 8], q(0.05, 120)),
    act('avgpool', [1, 4, 4, 8], q(0.05, 120)),
    act('concat', [1, 4, 4, 16], q(0.06, 100)),
    weights('conv3/w', [16, 1, 1, 16], w4S, 125), bias('conv3/b', 16, 0.06 * w4S), act('conv3', [1, 4, 4, 16], q(0.04, 130)),
    act('add', [1, 4, 4, 16], q(0.08, 110)),
    act('reshape', [1, 256], q(0.08, 110)),
    { name: 'reshape/shape', type: 'int32', shape: [2], data: Int32Array.from([1, 256]) },
    weights('fc/w', [10, 256], fcS, 132), bias('fc/b', 10, 0.08 * fcS), act('logits', [1, 10], q(0.1, 128)),
    act('probabilities', [1, 10], q(1 / 256, 0)),
  ];
  const spec: ModelSpec = {
    description: 'uint8 test network written by edgepipe tests',
    tensors: tensorsUsed(tensors),
    operators: [
      { op: 'CONV_2D', inputs: ['input', 'conv1/w', 'conv1/b'], outputs: ['conv1'], options: { activation: 'RELU6' } },
      { op: 'DEPTHWISE_CONV_2D', inputs: ['conv1', 'dw/w', 'dw/b'], outputs: ['dw'], options: { activation: 'RELU6' } },
      { op: 'MAX_POOL_2D', inputs: ['dw'], outputs: ['maxpool'], options: { filterWidth: 2, filterHeight: 2, strideW: 2, strideH: 2, padding: 'VALID' } },
      { op: 'CONV_2D', inputs: ['dw', 'conv2/w', 'conv2/b'], outputs: ['conv2'] },
      { op: 'AVERAGE_POOL_2D', inputs: ['conv2'], outputs: ['avgpool'], options: { filterWidth: 2, filterHeight: 2, strideW: 2, strideH: 2, padding: 'VALID' } },
      { op: 'CONCATENATION', inputs: ['maxpool', 'avgpool'], outputs: ['concat'], options: { axis: 3 } },
      { op: 'CONV_2D', inputs: ['concat', 'conv3/w', 'conv3/b'], outputs: ['conv3'] },
      { op: 'ADD', inputs: ['concat', 'conv3'], outputs: ['add'] },
      ...(o.stopAtAdd === true ? [] : [
        { op: 'RESHAPE' as const, inputs: ['add', 'reshape/shape'], outputs: ['reshape'] },
        { op: 'FULLY_CONNECTED' as const, inputs: ['reshape', 'fc/w', 'fc/b'], outputs: ['logits'] },
      ]),
      ...(o.softmax === false || o.stopAtAdd === true ? [] : [{ op: 'SOFTMAX' as const, inputs: ['logits'], outputs: ['probabilities'] }]),
    ],
    inputs: ['input'],
    outputs: [o.stopAtAdd === true ? 'add' : o.softmax === false ? 'logits' : 'probabilities'],
    minRuntimeVersion: '1.5.0',
    ...(o.metadata === true ? { metadata: networkMetadata() } : {}),
  };
  return writeModel(spec);
}

export const NETWORK_LABELS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

function networkMetadata(): MetadataSpec {
  return {
    name: 'uint8 network',
    inputs: [{ name: 'image', content: { kind: 'image', colorSpace: 'RGB' }, normalization: { mean: [127.5], std: [127.5] } }],
    outputs: [{
      name: 'probability', content: { kind: 'feature' },
      associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS' }],
    }],
    files: [{ name: 'labels.txt', data: `${NETWORK_LABELS.join('\n')}\n` }],
  };
}

/** uint8 [1,4,4,2] -> LOGISTIC -> uint8 (1/256, 0): a single fixed-output op. */
export function uint8Logistic(): Uint8Array {
  return writeModel({
    tensors: [
      { name: 'x', type: 'uint8', shape: [1, 4, 4, 2], quantization: { scale: [f(0.05)], zeroPoint: [128] } },
      { name: 'y', type: 'uint8', shape: [1, 4, 4, 2], quantization: { scale: [f(1 / 256)], zeroPoint: [0] } },
    ],
    operators: [{ op: 'LOGISTIC', inputs: ['x'], outputs: ['y'] }],
    inputs: ['x'],
    outputs: ['y'],
  });
}

/**
 * A TF1-style uint8 SSD head: uint8 [1,1,3,8] features -> two 1x1 CONV_2D (box encodings, class logits) -> RESHAPE
 * -> LOGISTIC on the classes -> TFLite_Detection_PostProcess with uint8 anchors (scale 1/256) -> float32 boxes,
 * classes, scores, count (at most 3 detections, score threshold 0.3).
 */
export function uint8SsdHead(): Uint8Array {
  const r = rng(5);
  const anchors = [[0.3, 0.3, 0.2, 0.2], [0.7, 0.6, 0.4, 0.2], [0.5, 0.5, 0.5, 0.5]].flat().map((v) => Math.round(v * 256));
  const weights = (name: string, shape: number[], scale: number, zp: number): TensorSpec => ({
    name, type: 'uint8', shape, data: Uint8Array.from(randomInts(r, shape.reduce((a, b) => a * b, 1), zp - 100, zp + 100)),
    quantization: { scale: [f(scale)], zeroPoint: [zp] },
  });
  const bias = (name: string, n: number, scale: number): TensorSpec => ({
    name, type: 'int32', shape: [n], data: Int32Array.from(randomInts(r, n, -500, 500)), quantization: { scale: [f(scale)], zeroPoint: [0] },
  });
  const inS = f(1 / 128);
  const customOptions = encode({
    max_detections: 3, max_classes_per_detection: 1, detections_per_class: 3, use_regular_nms: false,
    nms_score_threshold: 0.3, nms_iou_threshold: 0.6, num_classes: 3, y_scale: 10, x_scale: 10, h_scale: 5, w_scale: 5,
  });
  const out = 'TFLite_Detection_PostProcess';
  return writeModel({
    tensors: [
      { name: 'features', type: 'uint8', shape: [1, 1, 3, 8], quantization: { scale: [inS], zeroPoint: [128] } },
      weights('box/w', [4, 1, 1, 8], 0.01, 130), bias('box/b', 4, inS * 0.01),
      { name: 'box', type: 'uint8', shape: [1, 1, 3, 4], quantization: { scale: [f(0.02)], zeroPoint: [128] } },
      { name: 'box/shape', type: 'int32', shape: [3], data: Int32Array.from([1, 3, 4]) },
      { name: 'box_encodings', type: 'uint8', shape: [1, 3, 4], quantization: { scale: [f(0.02)], zeroPoint: [128] } },
      weights('cls/w', [4, 1, 1, 8], 0.02, 120), bias('cls/b', 4, inS * 0.02),
      { name: 'cls', type: 'uint8', shape: [1, 1, 3, 4], quantization: { scale: [f(0.05)], zeroPoint: [140] } },
      { name: 'cls/shape', type: 'int32', shape: [3], data: Int32Array.from([1, 3, 4]) },
      { name: 'cls_logits', type: 'uint8', shape: [1, 3, 4], quantization: { scale: [f(0.05)], zeroPoint: [140] } },
      { name: 'scores', type: 'uint8', shape: [1, 3, 4], quantization: { scale: [f(1 / 256)], zeroPoint: [0] } },
      { name: 'anchors', type: 'uint8', shape: [3, 4], data: Uint8Array.from(anchors), quantization: { scale: [f(1 / 256)], zeroPoint: [0] } },
      { name: out, type: 'float32', shape: [1, 3, 4] },
      { name: `${out}:1`, type: 'float32', shape: [1, 3] },
      { name: `${out}:2`, type: 'float32', shape: [1, 3] },
      { name: `${out}:3`, type: 'float32', shape: [1] },
    ],
    operators: [
      { op: 'CONV_2D', inputs: ['features', 'box/w', 'box/b'], outputs: ['box'] },
      { op: 'RESHAPE', inputs: ['box', 'box/shape'], outputs: ['box_encodings'] },
      { op: 'CONV_2D', inputs: ['features', 'cls/w', 'cls/b'], outputs: ['cls'] },
      { op: 'RESHAPE', inputs: ['cls', 'cls/shape'], outputs: ['cls_logits'] },
      { op: 'LOGISTIC', inputs: ['cls_logits'], outputs: ['scores'] },
      { op: 'CUSTOM', customCode: out, customOptions, inputs: ['box_encodings', 'scores', 'anchors'], outputs: [out, `${out}:1`, `${out}:2`, `${out}:3`] },
    ],
    inputs: ['features'],
    outputs: [out, `${out}:1`, `${out}:2`, `${out}:3`],
  });
}

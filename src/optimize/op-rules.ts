// How each operator constrains the quantisation of its int8 tensors, per the TFLite 8-bit quantisation spec
// (https://www.tensorflow.org/lite/performance/quantization_spec) and the int8 kernels' Prepare() checks in
// TFLite 2.9 (e.g. concatenation.cc refuses int8 inputs whose scale/zero point differ from the output's).

/** What the rewrite must keep true for an operator once its uint8 tensors are int8. */
export type OpRule =
  /** Weights (input 1) int8 symmetric per channel along `channelDim`, bias (input 2) int32 at input x weight scale. */
  | { readonly kind: 'weights'; readonly channelDim: number; readonly perChannel: boolean }
  /** The kernel requantises: the output may have any scale/zero point (ADD, MUL, MEAN, QUANTIZE...). */
  | { readonly kind: 'free' }
  /** Output(s) must have the data input's scale and zero point (RESHAPE, MAX_POOL_2D, ...). */
  | { readonly kind: 'same'; readonly dataInput: number }
  /** Every quantised input must have the output's scale and zero point (CONCATENATION, PACK). */
  | { readonly kind: 'concat' }
  /** The output's quantisation is fixed by the spec (int8 values). */
  | { readonly kind: 'fixed'; readonly scale: number; readonly zeroPoint: number };

const same: OpRule = { kind: 'same', dataInput: 0 };
const free: OpRule = { kind: 'free' };

/** Builtin operators edgepipe optimize converts; any other builtin operator on uint8 tensors is refused. */
export const OP_RULES: Readonly<Record<string, OpRule>> = {
  CONV_2D: { kind: 'weights', channelDim: 0, perChannel: true },
  DEPTHWISE_CONV_2D: { kind: 'weights', channelDim: 3, perChannel: true },
  // Per tensor, though the int8 spec allows per-channel FC weights: TFLite 2.9 runs them on neither kernel. Measured
  // (test/optimize/fully-connected.test.ts): XNNPACK takes 0 nodes of such a model, and the int8 reference kernel
  // computes its multiplier from the tensor's single scale (0 for a per-channel tensor), so every output is the
  // zero point. Per-tensor weights are within the requantisation error on both.
  FULLY_CONNECTED: { kind: 'weights', channelDim: 0, perChannel: false },
  ADD: free, SUB: free, MUL: free, MEAN: free, SUM: free, QUANTIZE: free, DEQUANTIZE: free, ARG_MAX: free, ARG_MIN: free,
  RELU: free, RELU6: free, RELU_N1_TO_1: free, LEAKY_RELU: free, HARD_SWISH: free, PRELU: free,
  SQUARED_DIFFERENCE: free, REDUCE_MAX: free, REDUCE_MIN: free,
  AVERAGE_POOL_2D: same, MAX_POOL_2D: same, RESHAPE: same, SQUEEZE: same, EXPAND_DIMS: same,
  RESIZE_BILINEAR: same, RESIZE_NEAREST_NEIGHBOR: same, PAD: same, PADV2: same, SPACE_TO_DEPTH: same,
  DEPTH_TO_SPACE: same, STRIDED_SLICE: same, SLICE: same, TRANSPOSE: same, GATHER: same, UNPACK: same,
  BATCH_TO_SPACE_ND: same, SPACE_TO_BATCH_ND: same, TILE: same, SPLIT_V: same,
  SPLIT: { kind: 'same', dataInput: 1 },
  CONCATENATION: { kind: 'concat' }, PACK: { kind: 'concat' }, MAXIMUM: { kind: 'concat' }, MINIMUM: { kind: 'concat' },
  SOFTMAX: { kind: 'fixed', scale: 1 / 256, zeroPoint: -128 },
  LOGISTIC: { kind: 'fixed', scale: 1 / 256, zeroPoint: -128 },
  TANH: { kind: 'fixed', scale: 1 / 128, zeroPoint: 0 },
  L2_NORMALIZATION: { kind: 'fixed', scale: 1 / 128, zeroPoint: 0 },
};

/**
 * Versions the TFLite converter gives int8 kernels (tensorflow/lite/tools/versioning/op_version.cc); an operator
 * keeps its own version when that is higher.
 */
export const INT8_OP_VERSIONS: Readonly<Record<string, number>> = {
  CONV_2D: 3, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 4, AVERAGE_POOL_2D: 2, MAX_POOL_2D: 2, ADD: 2, SUB: 2, MUL: 2,
  CONCATENATION: 2, SOFTMAX: 2, LOGISTIC: 2, TANH: 2, QUANTIZE: 2, DEQUANTIZE: 2, MEAN: 2, RESIZE_BILINEAR: 2,
  RESIZE_NEAREST_NEIGHBOR: 2, PAD: 2, PADV2: 2, ARG_MAX: 2, ARG_MIN: 2, SPLIT: 2, SPLIT_V: 2, STRIDED_SLICE: 2, TRANSPOSE: 2,
  RELU: 2, RELU6: 2, MAXIMUM: 2, MINIMUM: 2, SPACE_TO_DEPTH: 2, DEPTH_TO_SPACE: 2, GATHER: 2, SLICE: 2, PACK: 2,
  UNPACK: 2, L2_NORMALIZATION: 2, LEAKY_RELU: 2, BATCH_TO_SPACE_ND: 2, SPACE_TO_BATCH_ND: 2, SUM: 2, REDUCE_MAX: 2,
};

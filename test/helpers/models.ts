// Ready-made tiny .tflite models for any test suite. Each returns the file bytes, its spec, the
// I/O tensor descriptions and a reference() that computes exactly what TFLite 2.9's builtin CPU
// kernels return (checked bit for bit against the real library in test/tflite/harness.test.ts).
// Deterministic: the same arguments give the same bytes.
export type { ClassifierModel, TensorDescription, TestModel } from '../tflite/models/common.js';
export { float32Add, int8Add, int8FullyConnected } from '../tflite/models/basic.js';
export { int8ConvAvgPoolSoftmax, int8DepthwiseConv, uint8Classifier } from '../tflite/models/vision.js';
export { customOpModel, int8QuantizeDequantize, multiDtypeModel } from '../tflite/models/misc.js';
export { randomFloat32, randomInt8, randomUint8 } from '../tflite/reference/random.js';

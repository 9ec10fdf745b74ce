// readModel() on real public models from ../shared/models (see its README for the values checked
// here). The folder is optional locally and always present in CI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModel, type TensorInfo, type TfliteModelInfo } from '../../src/tflite/index.js';
import { harnessUnavailableReason, TfliteHarness, TfliteType } from './harness.js';
import { hasSharedModels, sharedModelsDir } from '../helpers/shared-models.js';

const MODELS_DIR = `${sharedModelsDir}${path.sep}`;
const skip = !hasSharedModels;

const read = (name: string): TfliteModelInfo => readModel(new Uint8Array(readFileSync(`${MODELS_DIR}${name}`)), name);
const io = (m: TfliteModelInfo, which: 'inputs' | 'outputs'): TensorInfo[] =>
  (m.subgraphs[0]?.[which] ?? []).map((i) => m.subgraphs[0]?.tensors[i]).filter((t): t is TensorInfo => t !== undefined);
const summary = (t: TensorInfo | undefined): unknown =>
  t === undefined ? undefined : { type: t.type, shape: t.shape, scale: t.quantization?.scale[0], zeroPoint: t.quantization?.zeroPoint[0] };

describe.skipIf(skip)(skip ? 'real models — SKIPPED: ../shared/models not found' : 'real models in ../shared/models', () => {
  let imagenetLabels: string[] = [];
  beforeAll(() => {
    imagenetLabels = readFileSync(`${MODELS_DIR}labels/imagenet_labels.txt`, 'utf8').split('\n').filter((l) => l !== '');
  });

  it('tf2_mobilenet_v2_1.0_224_ptq: uint8 I/O around int8 ops, metadata with normalisation and 1001 labels', () => {
    const m = read('tf2_mobilenet_v2_1.0_224_ptq.tflite');
    expect(summary(io(m, 'inputs')[0])).toEqual({ type: 'uint8', shape: [1, 224, 224, 3], scale: expect.closeTo(0.00784314, 7), zeroPoint: 127 });
    expect(summary(io(m, 'outputs')[0])).toEqual({ type: 'uint8', shape: [1, 1001], scale: 1 / 256, zeroPoint: 0 });
    expect(m.opCounts).toMatchObject({ QUANTIZE: 2, CONV_2D: 36, DEPTHWISE_CONV_2D: 17 });
    expect(m.metadata?.inputs[0]).toMatchObject({ normalization: { mean: [127.5], std: [127.5] }, content: { kind: 'image', colorSpace: 'RGB' } });
    expect(m.metadata?.labels).toHaveLength(1001);
    expect(m.metadata?.labels).toEqual(imagenetLabels);
    expect(m.metadata?.labels?.[286]).toBe('Egyptian cat');
    expect(m.metadata?.warnings).toEqual([]);
  });

  it('mobilenet_v2_1.0_224_quant and mobilenet_v1_0.25_128_quant: TF1 uint8 with metadata and labels', () => {
    const v2 = read('mobilenet_v2_1.0_224_quant.tflite');
    expect(summary(io(v2, 'inputs')[0])).toEqual({ type: 'uint8', shape: [1, 224, 224, 3], scale: 0.0078125, zeroPoint: 128 });
    expect(summary(io(v2, 'outputs')[0])).toMatchObject({ type: 'uint8', shape: [1, 1001] });
    expect(v2.metadata?.labels?.[653]).toBe('military uniform');
    expect(v2.metadata?.associatedFiles).toEqual(['imagenet_labels.txt']);
    expect(v2.metadata?.inputs[0]?.normalization).toEqual({ mean: [127.5], std: [127.5] });
    const v1 = read('mobilenet_v1_0.25_128_quant.tflite');
    expect(summary(io(v1, 'inputs')[0])).toMatchObject({ type: 'uint8', shape: [1, 128, 128, 3] });
    expect(v1.metadata?.labels).toHaveLength(1001);
  });

  it('coco_ssd_mobilenet_v1: the 90 COCO labels are TENSOR_VALUE_LABELS on the classes output, read as the model labels', () => {
    const m = read('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite');
    expect(m.metadata?.outputs.map((o) => o.name)).toEqual(['locations', 'classes', 'scores', 'number of detections']);
    expect(m.metadata?.labelsFrom).toEqual({ output: 1, file: 'labelmap.txt', type: 'TENSOR_VALUE_LABELS' });
    // Class value v -> line v: the numbering of labels/coco_labels.txt shipped beside the models, which writes "n/a"
    // where the model's file has "???" for the 10 ids COCO leaves unused.
    const coco = readFileSync(`${MODELS_DIR}labels/coco_labels.txt`, 'utf8').split('\n').filter((l) => l !== '');
    expect(m.metadata?.labels).toHaveLength(90);
    expect(m.metadata?.labels).toEqual(coco.map((label) => (label === 'n/a' ? '???' : label)));
    expect([0, 2, 16, 71].map((v) => m.metadata?.labels?.[v])).toEqual(['person', 'car', 'cat', 'tv']);
  });

  it('mobilenet_v2_int8_nchw: int8 NCHW input, no metadata', () => {
    const m = read('mobilenet_v2_int8_nchw_1x3x224x224.tflite');
    expect(summary(io(m, 'inputs')[0])).toEqual({ type: 'int8', shape: [1, 3, 224, 224], scale: expect.closeTo(0.0186311, 6), zeroPoint: -14 });
    expect(summary(io(m, 'outputs')[0])).toEqual({ type: 'int8', shape: [1, 1000], scale: expect.closeTo(0.113735, 5), zeroPoint: -24 });
    expect(m).not.toHaveProperty('metadata');
  });

  it('traffic_ssd_lstm: three inputs, six outputs, the detection post-process custom op', () => {
    const m = read('traffic_ssd_lstm.tflite');
    expect(io(m, 'inputs').map((t) => [t.name, t.type, t.shape])).toEqual([
      ['normalized_input_image_tensor', 'uint8', [1, 256, 256, 3]],
      ['raw_inputs/init_lstm_c', 'uint8', [1, 8, 8, 320]],
      ['raw_inputs/init_lstm_h', 'uint8', [1, 8, 8, 320]],
    ]);
    expect(io(m, 'outputs').map((t) => t.name)).toEqual([
      'TFLite_Detection_PostProcess', 'TFLite_Detection_PostProcess:1', 'TFLite_Detection_PostProcess:2',
      'TFLite_Detection_PostProcess:3', 'raw_outputs/lstm_c', 'raw_outputs/lstm_h',
    ]);
    expect(m.customOps).toEqual(['TFLite_Detection_PostProcess']);
  });

  it('deeplabv3, movenet, hello_world, micro_speech, keras_lstm: I/O as the README lists', () => {
    const deeplab = read('deeplabv3_mnv2_dm05_pascal_quant.tflite');
    expect(summary(io(deeplab, 'outputs')[0])).toMatchObject({ type: 'int64', shape: [1, 513, 513] });
    const movenet = read('movenet_single_pose_lightning_ptq.tflite');
    expect(summary(io(movenet, 'inputs')[0])).toEqual({ type: 'uint8', shape: [1, 192, 192, 3], scale: undefined, zeroPoint: undefined });
    expect(summary(io(movenet, 'outputs')[0])).toMatchObject({ type: 'float32', shape: [1, 1, 17, 3] });
    const hello = read('hello_world_int8.tflite');
    expect([summary(io(hello, 'inputs')[0]), summary(io(hello, 'outputs')[0])]).toMatchObject([{ type: 'int8', shape: [1, 1] }, { type: 'int8', shape: [1, 1] }]);
    expect(hello.signatures).toEqual([{ key: 'serving_default', subgraphIndex: 0, inputs: [{ name: 'dense_input', tensorIndex: 0 }], outputs: [{ name: 'dense_2', tensorIndex: 9 }] }]);
    const speech = read('micro_speech_quantized.tflite');
    expect([summary(io(speech, 'inputs')[0]), summary(io(speech, 'outputs')[0])]).toMatchObject([{ type: 'int8', shape: [1, 1960] }, { type: 'int8', shape: [1, 4] }]);
    const lstm = read('keras_lstm_mnist_ptq.tflite');
    expect(lstm.opCounts).toMatchObject({ UNIDIRECTIONAL_SEQUENCE_LSTM: 1 });
    expect([summary(io(lstm, 'inputs')[0]), summary(io(lstm, 'outputs')[0])]).toMatchObject([{ type: 'uint8', shape: [1, 28, 28] }, { type: 'uint8', shape: [1, 10] }]);
  });

  it('unresolved_custom_op: reports the custom op fake-op-double', () => {
    const m = read('unresolved_custom_op.tflite');
    expect(m.customOps).toEqual(['fake-op-double']);
    expect(m.subgraphs[0]?.operators[0]).toMatchObject({ name: 'fake-op-double', custom: true });
  });

  it('invalid_per_channel_quant: parses, and warns about the quantised dimension the runtime rejects', () => {
    const m = read('invalid_per_channel_quant.tflite');
    expect(m.warnings.length).toBeGreaterThan(0);
    expect(m.warnings[0]).toMatch(/^subgraph 0 tensor \d+ ".+": \d+ per-channel scales along dimension 3 of a rank-1 tensor$/);
    for (const name of ['tf2_mobilenet_v2_1.0_224_ptq.tflite', 'mobilenet_v2_int8_nchw_1x3x224x224.tflite']) expect(read(name).warnings).toEqual([]);
  });

  const harnessProblem = harnessUnavailableReason();
  const skipHarness = harnessProblem !== undefined && process.env['CI'] !== 'true';
  describe.skipIf(skipHarness)(skipHarness ? `agreement with the TFLite runtime — SKIPPED: ${harnessProblem}` : 'agreement with the TFLite runtime', () => {
    let harness: TfliteHarness;
    beforeAll(() => { harness = TfliteHarness.compile(); });
    afterAll(() => harness?.dispose());

    it.each([
      'hello_world_int8.tflite', 'micro_speech_quantized.tflite', 'keras_lstm_mnist_ptq.tflite', 'mobilenet_v1_0.25_128_quant.tflite',
      'mobilenet_v2_int8_nchw_1x3x224x224.tflite', 'movenet_single_pose_lightning_ptq.tflite', 'traffic_ssd_lstm.tflite',
    ])('%s: the interpreter sees the same input/output types and shapes', (name) => {
      const m = read(name);
      const run = harness.run(new Uint8Array(readFileSync(`${MODELS_DIR}${name}`)));
      expect(run.status).toBe(0);
      const expected = (tensors: TensorInfo[]): unknown[] => tensors.map((t) => ({ type: TfliteType[t.type as keyof typeof TfliteType], shape: t.shape }));
      const actual = (tensors: readonly { type: number; shape: readonly number[] }[], like: TensorInfo[]): unknown[] =>
        // Outputs with an empty static shape (detection post-process) are sized at run time.
        tensors.map((t, i) => ({ type: t.type, shape: like[i]?.shape.length === 0 ? [] : t.shape }));
      expect(actual(run.inputs, io(m, 'inputs'))).toEqual(expected(io(m, 'inputs')));
      expect(actual(run.outputs, io(m, 'outputs'))).toEqual(expected(io(m, 'outputs')));
    });

    it('unresolved_custom_op.tflite fails to prepare, naming fake-op-double', () => {
      const run = harness.run(new Uint8Array(readFileSync(`${MODELS_DIR}unresolved_custom_op.tflite`)));
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('fake-op-double');
    });
  });
});

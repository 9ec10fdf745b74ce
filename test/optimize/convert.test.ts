// The uint8 -> int8 rewrite on tiny models the tests write, checked in the rewritten file and against the real
// TFLite 2.9 (original on its uint8 kernels, rewrite on the int8 kernels and on XNNPACK).
import { describe, expect, it } from 'vitest';
import { optimizeModelBytes, OptimizeError } from '../../src/optimize/index.js';
import { convertToInt8 } from '../../src/optimize/convert.js';
import { requantizeWeights, rescaleBias } from '../../src/optimize/requantize.js';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { readModel, writeModel } from '../../src/tflite/index.js';
import { readModelGraph } from '../../src/tflite/model-graph.js';
import { builtinOperatorCode } from '../../src/tflite/builtin-ops.js';
import { randomUint8 } from '../tflite/reference/random.js';
import { NETWORK_LABELS, uint8Logistic, uint8Network, uint8SsdHead } from './uint8-models.js';

async function outputsOnBoth(original: Uint8Array, optimized: Uint8Array, delegate: 'cpu' | 'xnnpack', inputs: number) {
  const a = await createInterpreter(Model.fromBuffer(original, 'original'), { delegates: ['cpu'] });
  const b = await createInterpreter(Model.fromBuffer(optimized, 'optimized'), { delegates: [delegate] });
  const pairs: [Uint8Array, Uint8Array][] = [];
  try {
    for (let k = 0; k < inputs; k++) {
      const x = randomUint8(a.interpreter.inputs[0]!.bytes, 1000 + k);
      a.interpreter.setInput(0, x);
      b.interpreter.setInput(0, x);
      await a.interpreter.invoke();
      await b.interpreter.invoke();
      pairs.push([Uint8Array.from(a.interpreter.output(0) as Uint8Array), Uint8Array.from(b.interpreter.output(0) as Uint8Array)]);
    }
    return { pairs, before: a, after: b };
  } finally {
    a.interpreter.dispose();
    b.interpreter.dispose();
  }
}

const maxStepDiff = (pairs: [Uint8Array, Uint8Array][]): number =>
  Math.max(...pairs.flatMap(([x, y]) => Array.from(x, (v, i) => Math.abs(v - y[i]!))));

describe('requantisation math', () => {
  it('keeps centred weights that fit int8 exactly and rescales a channel that does not', () => {
    // Two channels along dim 0: channel 0 spans 128 +- 100, channel 1 reaches 0 with zero point 128 (128 steps).
    const data = Uint8Array.from([28, 128, 228, 0, 128, 255]);
    const { values, scales } = requantizeWeights(data, [2, 3], 0.5, 128, 0, true);
    expect(Array.from(values)).toEqual([-100, 0, 100, -127, 0, 126]);
    expect(scales).toEqual([0.5, Math.fround((0.5 * 128) / 127)]);
    // Real values move by at most half of the new step.
    const real = (q: number, s: number): number => q * s;
    expect(Math.abs(real(126, scales[1]!) - 0.5 * 127)).toBeLessThanOrEqual(scales[1]! / 2);
  });

  it('rescales biases to input scale x each channel scale', () => {
    const { values, scales } = rescaleBias(Int32Array.from([1000, -1000]), 0.25 * 0.5, 0.25, [0.5, 1]);
    expect(Array.from(values)).toEqual([1000, -500]);
    expect(scales).toEqual([0.125, 0.25]);
  });
});

describe('edgepipe optimize rewrite', () => {
  it('writes int8 tensors per the int8 spec, uint8 only at the model edges, metadata and labels kept', () => {
    const original = uint8Network({ metadata: true });
    const { bytes } = optimizeModelBytes(original, 'network');
    const info = readModel(bytes);
    const sg = info.subgraphs[0]!;
    const byName = new Map(sg.tensors.map((t) => [t.name, t]));
    const t = (name: string) => byName.get(name)!;
    expect(t('input').type).toBe('uint8');
    expect(t('probabilities').type).toBe('uint8');
    for (const name of ['conv1', 'dw', 'maxpool', 'conv2', 'concat', 'add', 'reshape', 'logits']) expect(t(name).type).toBe('int8');
    // Activations: same scale, zero point - 128 (concat inputs aside, retargeted below).
    expect(t('conv1').quantization).toEqual({ scale: [Math.fround(6 / 255)], zeroPoint: [-128], quantizedDimension: 0 });
    expect(t('input_int8').quantization?.zeroPoint).toEqual([0]);
    // Weights: symmetric int8 per channel along the spec's dimension; FC per tensor.
    expect(t('conv1/w').quantization).toMatchObject({ quantizedDimension: 0, zeroPoint: new Array(8).fill(0) });
    expect(t('conv1/w').quantization?.scale).toHaveLength(8);
    expect(t('dw/w').quantization).toMatchObject({ quantizedDimension: 3, zeroPoint: new Array(8).fill(0) });
    expect(t('fc/w').quantization?.scale).toHaveLength(1);
    expect(t('fc/w').type).toBe('int8');
    // Bias scale = input scale x weight scale, per channel.
    const biasScales = t('conv1/b').quantization!.scale;
    t('conv1/w').quantization!.scale.forEach((s, i) => expect(biasScales[i]).toBe(Math.fround(Math.fround(1 / 128) * s)));
    // CONCATENATION: every input at the output's scale and zero point. Its range is wider than its inputs', which the
    // original clipped to their own ranges first, so both are requantised by a QUANTIZE rather than retargeted.
    const concat = sg.operators.find((o) => o.name === 'CONCATENATION')!;
    for (const i of concat.inputs) expect(sg.tensors[i]!.quantization).toEqual(t('concat').quantization);
    expect(t('conv2').quantization).toEqual({ scale: [Math.fround(0.05)], zeroPoint: [-8], quantizedDimension: 0 });
    // SOFTMAX: int8 output at 1/256, zero point -128, then QUANTIZE back to the uint8 output.
    expect(t('probabilities_int8').quantization).toEqual({ scale: [1 / 256], zeroPoint: [-128], quantizedDimension: 0 });
    expect(sg.operators.map((o) => o.name)).toEqual([
      'QUANTIZE', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'MAX_POOL_2D', 'CONV_2D', 'AVERAGE_POOL_2D', 'QUANTIZE', 'QUANTIZE', 'CONCATENATION',
      'CONV_2D', 'ADD', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX', 'QUANTIZE',
    ]);
    expect(info.metadata?.labels).toEqual(NETWORK_LABELS);
    expect(info.metadata?.inputs[0]?.normalization).toEqual({ mean: [127.5], std: [127.5] });
    expect(info.minRuntimeVersion).toBe('1.5.0');
  });

  it('--io int8 makes the model inputs and outputs int8 too', () => {
    const { bytes } = optimizeModelBytes(uint8Network(), 'network', { io: 'int8' });
    const sg = readModel(bytes).subgraphs[0]!;
    expect(sg.inputs.map((i) => sg.tensors[i]!.type)).toEqual(['int8']);
    expect(sg.outputs.map((i) => sg.tensors[i]!.type)).toEqual(['int8']);
    expect(sg.operators.filter((o) => o.name === 'QUANTIZE')).toHaveLength(2); // only the concat requantisations
  });

  // With weights that int8 holds exactly, the rewrite changes no real value except one rounding: the average pool's
  // input now carries the concatenation's scale (one rounding instead of two), +-1 step of 0.06 at the concat. A
  // 1x1 conv (16 inputs) and the ADD see that step; measured <= 2 steps of the ADD's 0.08 scale, and one more step
  // is allowed for the int8 kernels' own rounding (XNNPACK rounds its requantisation differently).
  it('gives the ADD output of the original within 3 quantisation steps on the int8 CPU kernels and on XNNPACK', async () => {
    const original = uint8Network({ stopAtAdd: true });
    const { bytes } = optimizeModelBytes(original, 'network');
    const cpu = await outputsOnBoth(original, bytes, 'cpu', 16);
    expect(maxStepDiff(cpu.pairs)).toBeLessThanOrEqual(3);
    const xnn = await outputsOnBoth(original, bytes, 'xnnpack', 16);
    expect(maxStepDiff(xnn.pairs)).toBeLessThanOrEqual(3);
    // XNNPACK took none of the original's nodes (the chain fell back to the CPU kernels) and takes the rewrite's.
    const before = await createInterpreter(Model.fromBuffer(original, 'original'), { delegates: ['xnnpack'] });
    before.interpreter.dispose();
    expect(before.delegate).toBe('cpu');
    expect(before.refused[0]).toMatchObject({ delegate: 'xnnpack', stage: 'no-nodes' });
    expect(xnn.after.delegate).toBe('xnnpack');
    expect(xnn.after.usage.nodes).toBeGreaterThanOrEqual(6);
  });

  it('keeps the top class with rescaled weights and a softmax output', async () => {
    const original = uint8Network({ exact: false, weightZeroPoint: 0 });
    const { bytes, summary } = optimizeModelBytes(original, 'network');
    expect(summary.widenedChannels).toBeGreaterThan(0);
    const { pairs } = await outputsOnBoth(original, bytes, 'xnnpack', 24);
    const argmax = (v: Uint8Array): number => v.indexOf(Math.max(...v));
    const agree = pairs.filter(([x, y]) => argmax(x) === argmax(y) || x[argmax(y)] === x[argmax(x)]).length;
    expect(agree).toBeGreaterThanOrEqual(23);
  });

  it('LOGISTIC keeps its fixed output quantisation (1/256, -128) and its values', async () => {
    const original = uint8Logistic();
    const { bytes } = optimizeModelBytes(original, 'logistic');
    const sg = readModel(bytes).subgraphs[0]!;
    const logistic = sg.operators.find((o) => o.name === 'LOGISTIC')!;
    expect(sg.tensors[logistic.outputs[0]!]!.quantization).toMatchObject({ scale: [1 / 256], zeroPoint: [-128] });
    const { pairs } = await outputsOnBoth(original, bytes, 'cpu', 4);
    expect(maxStepDiff(pairs)).toBeLessThanOrEqual(1);
  });
});

describe('edgepipe optimize with TFLite_Detection_PostProcess', () => {
  it('keeps the post-process on its uint8 inputs and anchors, and its detections', async () => {
    const original = uint8SsdHead();
    const { bytes, summary } = optimizeModelBytes(original, 'ssd');
    const sg = readModel(bytes).subgraphs[0]!;
    const post = sg.operators.find((o) => o.name === 'TFLite_Detection_PostProcess')!;
    expect(post.inputs.map((i) => [sg.tensors[i]!.name, sg.tensors[i]!.type])).toEqual([
      ['box_encodings_uint8', 'uint8'], ['scores_uint8', 'uint8'], ['anchors', 'uint8'],
    ]);
    expect(sg.tensors.find((t) => t.name === 'box_encodings')!.type).toBe('int8');
    expect(sg.tensors.find((t) => t.name === 'scores')!.quantization).toMatchObject({ scale: [1 / 256], zeroPoint: [-128] });
    expect(summary.keptUint8).toEqual(expect.arrayContaining(['anchors', 'features']));
    let totalDetections = 0;
    for (const delegate of ['cpu', 'xnnpack'] as const) {
      const a = await createInterpreter(Model.fromBuffer(original, 'original'), { delegates: ['cpu'] });
      const b = await createInterpreter(Model.fromBuffer(bytes, 'optimized'), { delegates: [delegate] });
      try {
        if (delegate === 'xnnpack') expect(b.usage.nodes).toBeGreaterThanOrEqual(2);
        for (let k = 0; k < 8; k++) {
          const x = randomUint8(24, 50 + k);
          a.interpreter.setInput(0, x);
          b.interpreter.setInput(0, x);
          await a.interpreter.invoke();
          await b.interpreter.invoke();
          const out = (i: typeof a.interpreter, n: number): number[] => Array.from(i.output(n) as Float32Array);
          expect(out(b.interpreter, 3)).toEqual(out(a.interpreter, 3));
          // Entries past the count are left over from earlier invokes.
          const n = out(a.interpreter, 3)[0]!;
          totalDetections += n;
          expect(out(b.interpreter, 1).slice(0, n)).toEqual(out(a.interpreter, 1).slice(0, n));
          // Exact weights (centred within +-100): only a requantisation may round differently, one step of the
          // box encodings (0.02 / scale 10 of the anchor size) or of the scores (1/256).
          out(a.interpreter, 0).slice(0, 4 * n).forEach((v, i) => expect(Math.abs(v - out(b.interpreter, 0)[i]!)).toBeLessThan(0.01));
          out(a.interpreter, 2).slice(0, n).forEach((v, i) => expect(Math.abs(v - out(b.interpreter, 2)[i]!)).toBeLessThanOrEqual(1 / 256 + 1e-6));
        }
      } finally {
        a.interpreter.dispose();
        b.interpreter.dispose();
      }
    }
    expect(totalDetections).toBeGreaterThanOrEqual(8);
  });
});

describe('edgepipe optimize refusals', () => {
  it('refuses an int8 model', () => {
    const int8 = optimizeModelBytes(uint8Network(), 'network', { io: 'int8' }).bytes;
    expect(() => optimizeModelBytes(int8, 'int8.tflite')).toThrow(
      /^int8\.tflite: already int8 \(tensor 0 "input" is int8\); XNNPACK runs int8 models as they are, nothing to optimize$/,
    );
  });

  it('refuses a float model', () => {
    const float = writeModel({
      tensors: [{ name: 'a', type: 'float32', shape: [1, 2] }, { name: 'b', type: 'float32', shape: [1, 2] }],
      operators: [{ op: 'ADD', inputs: ['a', 'a'], outputs: ['b'] }],
      inputs: ['a'],
      outputs: ['b'],
    });
    expect(() => optimizeModelBytes(float, 'float.tflite')).toThrow(
      'float.tflite: not a uint8-quantised model (no uint8 activations; its inputs are float32)',
    );
  });

  it('names the operator and tensor it cannot convert', () => {
    const graph = readModelGraph(uint8Network(), 'net.tflite');
    const reshape = graph.subgraphs[0]!.operators.find((o) => o.name === 'RESHAPE')!;
    // Pretend the model uses an operator the rewrite has no rule for.
    Object.assign(reshape, { name: 'LOCAL_RESPONSE_NORMALIZATION', opcode: { builtinCode: builtinOperatorCode('LOCAL_RESPONSE_NORMALIZATION')!, version: 1 } });
    let error: unknown;
    try {
      convertToInt8(graph, 'net.tflite');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OptimizeError);
    expect((error as OptimizeError).message).toMatch(
      /^net\.tflite: operator 8 \(LOCAL_RESPONSE_NORMALIZATION, output tensor \d+ "reshape"\) has uint8 tensors and edgepipe optimize cannot convert LOCAL_RESPONSE_NORMALIZATION; supported: CONV_2D, /,
    );
    expect((error as OptimizeError).exitCode).toBe(2);
  });

  it('refuses a corrupt file with the reader\'s message', () => {
    const bytes = uint8Network().slice(0, 400);
    expect(() => optimizeModelBytes(bytes, 'cut.tflite')).toThrow(/^cut\.tflite: truncated/);
  });
});

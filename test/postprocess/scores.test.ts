/**
 * postprocess.scores: logits become probabilities, probabilities stay as they are. Unit tests of the decision
 * rule, then the classify stage on models written by the project's writer and run by the real runtime.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyScores, createPostprocessor, decideScores, dequantize, outputProducers } from '../../src/postprocess/index.js';
import { Interpreter, Model } from '../../src/runtime/index.js';
import { readModel } from '../../src/tflite/index.js';
import type { ClassifyConfig } from '../../src/config/types.js';
import { int8ConvAvgPoolSoftmax, int8FullyConnected, int8QuantizeDequantize, randomInt8 } from '../helpers/models.js';
import { info, mismatchMessage, quantization, sync } from './tensors.js';
import { payloadOf } from './payload.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';

const softmaxOf = (xs: number[]): number[] => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('decideScores (postprocess.scores: auto)', () => {
  const logits = info('Xq.1', 'int8', [1, 1000], quantization(0.113735, -24));
  const probabilities = info('Identity', 'uint8', [1, 1001], quantization(1 / 256, 0));
  const floats = info('out', 'float32', [1, 5]);

  it('raw when a SOFTMAX or LOGISTIC op computes the output, whatever its type', () => {
    expect(decideScores('auto', floats, 'SOFTMAX', 'm.tflite')).toEqual({ transform: 'raw', why: 'output "out" float32 [1,5] comes from SOFTMAX: raw' });
    expect(decideScores('auto', logits, 'LOGISTIC', 'm.tflite').transform).toBe('raw');
  });

  it('from the quantisation otherwise: raw when it only holds [0,1], softmax when it holds more', () => {
    expect(decideScores('auto', probabilities, undefined, 'm.tflite')).toEqual({ transform: 'raw', why: 'output "Identity" uint8 [1,1001] holds 0..0.996: raw' });
    expect(decideScores('auto', info('p', 'int8', [1, 4], quantization(1 / 256, -128)), 'FULLY_CONNECTED', 'm.tflite').transform).toBe('raw');
    expect(decideScores('auto', logits, 'FULLY_CONNECTED', 'm.tflite')).toEqual({
      transform: 'softmax',
      why: 'output "Xq.1" int8 [1,1000] can hold -11.8..17.2: softmax',
    });
  });

  it('per frame for float outputs of other ops', () => {
    expect(decideScores('auto', floats, 'FULLY_CONNECTED', 'm.tflite')).toEqual({
      transform: 'softmax-outside-0-1',
      why: 'output "out" float32 [1,5]: softmax on frames with a value outside [0,1]',
    });
  });

  it('does what it is told for softmax and sigmoid, and refuses raw on an output that can hold logits', () => {
    expect(decideScores('softmax', probabilities, 'SOFTMAX', 'm.tflite').transform).toBe('softmax');
    expect(decideScores('sigmoid', logits, undefined, 'm.tflite').transform).toBe('sigmoid');
    expect(decideScores('raw', probabilities, undefined, 'm.tflite').transform).toBe('raw');
    expect(decideScores('raw', floats, undefined, 'm.tflite').transform).toBe('raw');
    expect(mismatchMessage(() => decideScores('raw', logits, 'FULLY_CONNECTED', 'nchw.tflite'))).toBe(
      'postprocess.scores: raw publishes the outputs as scores in [0,1], but output "Xq.1" int8 [1,1000] of nchw.tflite can hold -11.8..17.2 ' +
        '(logits, not probabilities): use auto or softmax',
    );
  });
});

describe('applyScores', () => {
  it('softmax: probabilities summing to 1, order kept, no overflow on large logits', () => {
    const out = Array.from(applyScores('softmax', Float64Array.from([10.8, 2, -3, 10.1])));
    expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(out).toEqual(softmaxOf([10.8, 2, -3, 10.1]).map((p) => expect.closeTo(p, 12)));
    const big = Array.from(applyScores('softmax', Float64Array.from([1000, 999])));
    expect(big).toEqual([expect.closeTo(1 / (1 + Math.exp(-1)), 12), expect.closeTo(1 / (1 + Math.exp(1)), 12)]);
  });

  it('sigmoid per element; softmax-outside-0-1 leaves frames in [0,1] alone', () => {
    expect(Array.from(applyScores('sigmoid', Float64Array.from([0, 2])))).toEqual([0.5, expect.closeTo(1 / (1 + Math.exp(-2)), 12)]);
    expect(Array.from(applyScores('softmax-outside-0-1', Float64Array.from([0.2, 0.7, 0.1])))).toEqual([0.2, 0.7, 0.1]);
    const [a, b] = Array.from(applyScores('softmax-outside-0-1', Float64Array.from([1.5, 0.5])));
    expect([a, b]).toEqual(softmaxOf([1.5, 0.5]).map((p) => expect.closeTo(p, 12)));
  });
});

describe('outputProducers', () => {
  it('names the op computing each output, through QUANTIZE/DEQUANTIZE/RESHAPE', () => {
    expect([...outputProducers(readModel(int8ConvAvgPoolSoftmax().bytes))]).toEqual([['probability', 'SOFTMAX']]);
    expect([...outputProducers(readModel(int8FullyConnected({ inputSize: 8, outputSize: 4, seed: 1 }).bytes))]).toEqual([['output', 'FULLY_CONNECTED']]);
    // QUANTIZE -> DEQUANTIZE straight from the input: nothing behind them, the last pass-through op is named.
    expect(new Set(outputProducers(readModel(int8QuantizeDequantize().bytes)).values())).toEqual(new Set(['QUANTIZE']));
  });
});

describe('classify with postprocess.scores on real runtime outputs', () => {
  const config: ClassifyConfig = { kind: 'classify', topK: 10, threshold: 0 };

  async function run(bytes: Uint8Array, input: Int8Array, scores?: ClassifyConfig['scores']) {
    const model = Model.fromBuffer(bytes, 'm.tflite');
    const interpreter = await Interpreter.create(model, { threads: 1 });
    try {
      const view = interpreter.input(0);
      new Int8Array(view.buffer, view.byteOffset, view.byteLength).set(input);
      await interpreter.invoke();
      const infos = interpreter.outputs;
      const post = createPostprocessor({ ...config, ...(scores ? { scores } : {}) }, infos, {
        labelOffset: 0,
        modelName: 'm.tflite',
        outputProducers: outputProducers(model.info),
      });
      const raw = Array.from(dequantize(interpreter.output(0), infos[0]!.quantization));
      const result = sync(post.run({ infos, values: [interpreter.output(0)] }, undefined));
      if (result.kind !== 'classify') throw new Error(result.kind);
      return { raw, classes: result.classes };
    } finally {
      interpreter.dispose();
    }
  }

  it('a logits model (int8 FULLY_CONNECTED, no softmax): probabilities summing to ~1, top-1 unchanged', async () => {
    const m = int8FullyConnected({ inputSize: 16, outputSize: 10, seed: 5 });
    for (let seed = 1; seed <= 5; seed += 1) {
      const { raw, classes } = await run(m.bytes, randomInt8(16, seed));
      expect(raw.some((v) => v < 0 || v > 1), `seed ${seed}: logits ${raw.join(' ')}`).toBe(true);
      expect(classes).toHaveLength(10);
      expect(classes.reduce((sum, c) => sum + c.score, 0)).toBeCloseTo(1, 9);
      expect(classes.every((c) => c.score >= 0 && c.score <= 1)).toBe(true);
      const best = raw.indexOf(Math.max(...raw));
      expect(classes[0]!.index).toBe(best);
      expect(classes.map((c) => c.score)).toEqual(classes.map((c) => expect.closeTo(softmaxOf(raw)[c.index]!, 9)));
      expect(payloadOf({ kind: 'classify', classes }).problems).toEqual([]);
    }
  });

  it('the payload schema refuses what was published before: a logit as a score, a fractional class number', () => {
    expect(payloadOf({ kind: 'classify', classes: [{ index: 285, label: 'Egyptian cat', score: 10.8 }] }).problems).toEqual([
      '$.result.classes[0].score: expected at most 1, got 10.8',
    ]);
    const box = { x: 1, y: 2, width: 3, height: 4 };
    expect(payloadOf({ kind: 'detect', objects: [{ index: 2.5, score: -0.1, box }] }).problems).toEqual([
      '$.result.objects[0].index: expected integer, got number',
      '$.result.objects[0].score: expected at least 0, got -0.1',
    ]);
  });

  it('a model ending in SOFTMAX keeps its scores; raw on the logits model is refused with the field named', async () => {
    const m = int8ConvAvgPoolSoftmax();
    const { raw, classes } = await run(m.bytes, randomInt8(8 * 8 * 3, 2));
    expect(classes.map((c) => c.score)).toEqual(classes.map((c) => raw[c.index]));
    const fc = int8FullyConnected({ inputSize: 16, outputSize: 10, seed: 5 });
    await expect(run(fc.bytes, randomInt8(16, 1), 'raw')).rejects.toThrow(/^postprocess\.scores: raw publishes the outputs as scores in \[0,1\], but output "output" int8 \[1,10\] of m\.tflite can hold /);
  });
});

describe.skipIf(!hasSharedModels)('postprocess.scores: auto on the real models in ../shared/models', () => {
  it('keeps the probabilities of models ending in SOFTMAX or LOGISTIC and softmaxes the NCHW model\'s logits', () => {
    const decide = (file: string): string => {
      const info = readModel(readFileSync(sharedModel(file)), file);
      const subgraph = info.subgraphs[0]!;
      const t = subgraph.tensors[subgraph.outputs[0]!]!;
      const output = {
        index: 0, name: t.name, dtype: t.type, shape: [...t.shape], bytes: 0,
        quantization: t.quantization ? quantization(t.quantization.scale[0]!, t.quantization.zeroPoint[0]!) : null,
      };
      return decideScores('auto', output, outputProducers(info).get(t.name), file).why;
    };
    expect(decide('mobilenet_v2_1.0_224_quant.tflite')).toBe('output "MobilenetV2/Predictions/Softmax" uint8 [1,1001] comes from SOFTMAX: raw');
    expect(decide('tf2_mobilenet_v2_1.0_224_ptq.tflite')).toBe('output "Identity" uint8 [1,1001] comes from SOFTMAX: raw');
    expect(decide('micro_speech_quantized.tflite')).toBe('output "labels_softmax" int8 [1,4] comes from SOFTMAX: raw');
    expect(decide('yamnet_audio_classifier_with_metadata.tflite')).toBe('output "tower0/network/layer32/final_output" float32 [1,521] comes from LOGISTIC: raw');
    expect(decide('mobilenet_v2_int8_nchw_1x3x224x224.tflite')).toBe('output "Xq.1" int8 [1,1000] can hold -11.8..17.2: softmax');
  });
});

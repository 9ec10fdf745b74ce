import { describe, expect, it } from 'vitest';
import { createPostprocessor, topK } from '../../src/postprocess/index.js';
import type { ClassifyConfig } from '../../src/config/types.js';
import { info, mismatchMessage, outputsOf, quantization, tensor } from './tensors.js';

const config: ClassifyConfig = { kind: 'classify', topK: 3, threshold: 0 };
const context = { labelOffset: 0, modelName: 'model.tflite' };

describe('classify', () => {
  it('dequantises uint8 scores and returns the top k with labels', () => {
    const q = quantization(1 / 256, 0);
    const { infos, tensors } = outputsOf(tensor('Identity', 'uint8', [1, 5], [0.1, 0.5, 0.05, 0.3, 0.05], q));
    const post = createPostprocessor(config, infos, { ...context, labels: ['a', 'b', 'c', 'd', 'e'] });
    expect(post.run(tensors, undefined)).toEqual({
      kind: 'classify',
      classes: [
        { index: 1, label: 'b', score: 128 / 256 },
        { index: 3, label: 'd', score: 77 / 256 },
        { index: 0, label: 'a', score: 26 / 256 },
      ],
    });
  });

  it('dequantises int8 logits with their zero point, softmaxes them (auto) and leaves out classes below the threshold', () => {
    const q = quantization(0.1, -24);
    const { infos, tensors } = outputsOf(tensor('logits', 'int8', [1, 4], [1.0, -2.0, 3.0, 0.5], q));
    const post = createPostprocessor({ ...config, threshold: 0.1 }, infos, context);
    const result = post.run(tensors, undefined);
    expect(result).toMatchObject({ kind: 'classify', classes: [{ index: 2 }, { index: 0 }] });
    if (result instanceof Promise || result.kind !== 'classify') throw new Error('expected a classify result');
    // exp(x - 3) / sum over 1.0, -2.0, 3.0, 0.5: the stored values -14, -44, 6, -19 dequantised exactly.
    const sum = Math.exp(-2) + Math.exp(-5) + 1 + Math.exp(-2.5);
    expect(result.classes.map((c) => c.score)).toEqual([expect.closeTo(1 / sum, 9), expect.closeTo(Math.exp(-2) / sum, 9)]);
    expect(result.classes[0]).not.toHaveProperty('label');
  });

  it('shifts labels by the label offset (1001-line file, 1000-class model)', () => {
    const { infos, tensors } = outputsOf(tensor('probs', 'float32', [1, 3], [0.2, 0.7, 0.1]));
    const post = createPostprocessor({ ...config, topK: 1 }, infos, { ...context, labels: ['background', 'cat', 'dog', 'fox'], labelOffset: 1 });
    expect(post.run(tensors, undefined)).toEqual({ kind: 'classify', classes: [{ index: 1, label: 'dog', score: expect.closeTo(0.7, 6) }] });
  });

  it('reads the output named by postprocess.output', () => {
    const { infos, tensors } = outputsOf(
      tensor('boxes', 'float32', [1, 2, 4], [0, 0, 1, 1, 0, 0, 1, 1]),
      tensor('scores', 'float32', [1, 2], [0.25, 0.75]),
    );
    const post = createPostprocessor({ ...config, output: 'scores', topK: 1 }, infos, context);
    expect(post.run(tensors, undefined)).toEqual({ kind: 'classify', classes: [{ index: 1, score: 0.75 }] });
  });

  it('ignores trailing empty label lines when counting', () => {
    const { infos } = outputsOf(tensor('probs', 'float32', [1, 2], [0.5, 0.5]));
    expect(() => createPostprocessor(config, infos, { ...context, labels: ['a', 'b', '', ''] })).not.toThrow();
  });

  describe('mismatches', () => {
    it('suggests label_offset 1 for one label too many', () => {
      const labels = ['background', ...Array.from({ length: 1000 }, (_, i) => `c${i}`)];
      expect(mismatchMessage(() => createPostprocessor(config, [info('x', 'int8', [1, 1000])], { ...context, labels }))).toBe(
        'model.labels: 1001 labels but output "x" has 1000 classes; set model.label_offset: 1 if the file starts with "background"',
      );
    });

    it('counts labels after the offset', () => {
      const labels = ['background', 'a', 'b'];
      expect(mismatchMessage(() => createPostprocessor(config, [info('x', 'uint8', [1, 3])], { ...context, labels, labelOffset: 1 }))).toBe(
        'model.labels: 3 labels (2 after model.label_offset: 1) but output "x" has 3 classes; set model.label_offset: 0 if line 1 ("background") is a class',
      );
      expect(mismatchMessage(() => createPostprocessor(config, [info('x', 'uint8', [1, 5])], { ...context, labels: ['a', 'b'] }))).toBe(
        'model.labels: 2 labels but output "x" has 5 classes',
      );
    });

    it('names a missing postprocess.output and lists the outputs', () => {
      const outputs = [info('a', 'float32', [1, 4]), info('b', 'uint8', [1, 10])];
      expect(mismatchMessage(() => createPostprocessor({ ...config, output: 'c' }, outputs, context))).toBe(
        'postprocess.output: "c" is not an output of the model: model.tflite has 2 outputs "a" float32 [1,4], "b" uint8 [1,10]',
      );
    });

    it('refuses outputs that are not a score vector', () => {
      expect(mismatchMessage(() => createPostprocessor(config, [info('TFLite_Detection_PostProcess', 'float32', [1, 10, 4])], context))).toBe(
        'postprocess.kind: classify needs class scores ([1,C], numeric) but output "TFLite_Detection_PostProcess" of model.tflite is float32 [1,10,4]',
      );
      expect(mismatchMessage(() => createPostprocessor({ ...config, output: 's' }, [info('s', 'string', [1, 3])], context))).toBe(
        'postprocess.output needs class scores ([1,C], numeric) but output "s" of model.tflite is string [1,3]',
      );
      expect(mismatchMessage(() => createPostprocessor(config, [], context))).toBe(
        'postprocess.kind: classify needs an output of class scores but model.tflite has no outputs',
      );
    });
  });
});

describe('topK selection', () => {
  it('matches a full sort (best first, ties by lower index) on random scores with many ties', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let trial = 0; trial < 200; trial += 1) {
      const n = 1 + (next() % 60);
      const scores = Array.from({ length: n }, () => next() % 8);
      const k = next() % (n + 3);
      const expected = scores
        .map((score, index) => ({ index, score }))
        .sort((a, b) => b.score - a.score || a.index - b.index)
        .slice(0, k);
      expect(topK(scores, k)).toEqual(expected);
    }
  });
});

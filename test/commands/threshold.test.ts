/** Runtime threshold overrides on the real postprocessors: applied from the next run, the config's value after a rebuild. */
import { describe, expect, it } from 'vitest';
import { createPostprocessor } from '../../src/postprocess/index.js';
import type { PostprocessConfig } from '../../src/config/types.js';
import { outputsOf, sync, tensor } from '../postprocess/tensors.js';

const context = { labelOffset: 0, modelName: 'test.tflite', labels: ['red', 'green', 'blue'] };

describe('threshold overrides', () => {
  it('classify: a new score threshold applies to the next run; a rebuilt postprocessor has the config value again', () => {
    const { infos, tensors } = outputsOf(tensor('scores', 'float32', [1, 3], [0.2, 0.7, 0.1]));
    const config: PostprocessConfig = { kind: 'classify', topK: 3, threshold: 0.15 };
    const post = createPostprocessor(config, infos, context);
    const labels = (): string[] => {
      const result = sync(post.run(tensors, undefined));
      return result.kind === 'classify' ? result.classes.map((c) => c.label ?? '') : [];
    };
    expect(labels()).toEqual(['green', 'red']);
    expect(post.threshold?.current()).toEqual({ kind: 'score', value: 0.15 });
    expect(post.threshold?.set({ value: 0.5 })).toBeUndefined();
    expect(labels()).toEqual(['green']);
    expect(post.threshold?.set({ value: 1 })).toBeUndefined();
    expect(labels()).toEqual([]);
    expect(config.threshold).toBe(0.15);
    expect(createPostprocessor(config, infos, context).threshold?.current()).toEqual({ kind: 'score', value: 0.15 });
  });

  it('refuses a setting of the other kind, or out of range, and changes nothing', () => {
    const { infos } = outputsOf(tensor('scores', 'float32', [1, 3], [0.2, 0.7, 0.1]));
    const post = createPostprocessor({ kind: 'classify', topK: 1, threshold: 0.3 }, infos, context);
    expect(post.threshold?.set({ below: 1 })).toBe('postprocess.kind classify has a score threshold: expected "value" (0 to 1), not "below"/"above"');
    expect(post.threshold?.set({ value: 2 })).toBe('expected a number from 0 to 1 for value but received 2');
    expect(post.threshold?.current()).toEqual({ kind: 'score', value: 0.3 });
  });

  it('scalar: below/above change the bounds they name, keep the other, and must stay ordered', () => {
    const { infos, tensors } = outputsOf(tensor('v', 'float32', [1], [0.6]));
    const post = createPostprocessor({ kind: 'scalar', above: 0.8 }, infos, context);
    const anomaly = (): boolean => {
      const result = sync(post.run(tensors, undefined));
      return result.kind === 'scalar' && result.anomaly;
    };
    expect(anomaly()).toBe(false);
    expect(post.threshold?.set({ above: 0.5 })).toBeUndefined();
    expect(anomaly()).toBe(true);
    expect(post.threshold?.set({ below: 0.7 })).toBe('below (0.7) must be smaller than above (0.5), or every value is an anomaly');
    expect(post.threshold?.set({ below: 0.1, above: 0.9 })).toBeUndefined();
    expect(anomaly()).toBe(false);
    expect(post.threshold?.current()).toEqual({ kind: 'bounds', below: 0.1, above: 0.9 });
    expect(post.threshold?.set({ value: 0.5 })).toBe('postprocess.kind scalar has bounds: expected "below" and/or "above" (numbers), not "value"');
  });

  it('segment has no threshold to change', () => {
    const { infos } = outputsOf(tensor('mask', 'float32', [1, 2, 2, 3], new Array(12).fill(0.1)));
    expect(createPostprocessor({ kind: 'segment', minFraction: 0.1, keepMasks: 0 }, infos, context).threshold).toBeUndefined();
  });
});

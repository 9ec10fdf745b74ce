import { describe, expect, it } from 'vitest';
import { createPostprocessor, POSTPROCESS_MISMATCH } from '../../src/postprocess/index.js';
import type { PostprocessConfig } from '../../src/config/types.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { info, mismatchMessage } from './tensors.js';

const context = { labelOffset: 0, modelName: 'model.tflite' };

describe('createPostprocessor', () => {
  it('throws EdgepipeError ERR_POSTPROCESS_MISMATCH with exit code 2', () => {
    let caught: unknown;
    try {
      createPostprocessor({ kind: 'pose', threshold: 0.3 }, [info('Identity', 'uint8', [1, 1001])], context);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EdgepipeError);
    expect(caught).toMatchObject({ code: POSTPROCESS_MISMATCH, exitCode: 2 });
  });

  it('refuses an unknown kind (a config that skipped validation)', () => {
    const config = { kind: 'detect-rcnn' } as unknown as PostprocessConfig;
    expect(mismatchMessage(() => createPostprocessor(config, [], context))).toBe(
      'postprocess.kind: unknown kind "detect-rcnn" (classify, detect-ssd, detect-yolo, pose, segment, scalar)',
    );
  });

  it('ignores trailing empty label lines for every kind, and keeps empty lines inside', () => {
    const outputs = [info('s', 'uint8', [1, 4, 4, 3])];
    expect(() => createPostprocessor({ kind: 'segment', minFraction: 0, keepMasks: 0 }, outputs, { ...context, labels: ['a', '', 'c', '', ' '] })).not.toThrow();
    expect(mismatchMessage(() => createPostprocessor({ kind: 'segment', minFraction: 0, keepMasks: 0 }, outputs, { ...context, labels: ['a', '', '', 'd'] }))).toBe(
      'model.labels: 4 labels but output "s" has 3 classes; set model.label_offset: 1 if the file starts with "background"',
    );
  });

  it('builds every kind from fitting outputs', () => {
    const cases: Array<[PostprocessConfig, ReturnType<typeof info>[]]> = [
      [{ kind: 'classify', topK: 5, threshold: 0 }, [info('p', 'uint8', [1, 1001])]],
      [
        { kind: 'detect-ssd', threshold: 0.5, maxDetections: 10, classes: [] },
        [info('b', 'float32', [1, 40, 4]), info('c', 'float32', [1, 40]), info('s', 'float32', [1, 40]), info('n', 'float32', [1])],
      ],
      [
        { kind: 'detect-yolo', threshold: 0.25, iou: 0.45, maxDetections: 100, classes: [], objectness: false, coordinates: 'normalized' },
        [info('o', 'int8', [1, 84, 8400])],
      ],
      [{ kind: 'pose', threshold: 0.3 }, [info('k', 'float32', [1, 1, 17, 3])]],
      [{ kind: 'segment', minFraction: 0.01, keepMasks: 0 }, [info('ArgMax', 'int64', [1, 513, 513])]],
      [{ kind: 'scalar', above: 1 }, [info('y', 'int8', [1, 1])]],
    ];
    for (const [config, outputs] of cases) expect(typeof createPostprocessor(config, outputs, context).run).toBe('function');
  });
});

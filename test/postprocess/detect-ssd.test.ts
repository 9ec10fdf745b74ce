import { describe, expect, it } from 'vitest';
import { createPostprocessor, type Result } from '../../src/postprocess/index.js';
import type { DetectSsdConfig } from '../../src/config/types.js';
import {
  approxBox,
  fillGeometry,
  info,
  letterboxGeometry,
  mismatchMessage,
  outputsOf,
  rotated90Geometry,
  sync,
  tensor,
  type TestTensor,
} from './tensors.js';

const config: DetectSsdConfig = { kind: 'detect-ssd', threshold: 0.5, maxDetections: 10, classes: [] };
const context = { labelOffset: 0, modelName: 'model.tflite' };
const labels = ['person', 'bicycle', 'car'];

/** The four TFLite_Detection_PostProcess outputs; boxes as [ymin, xmin, ymax, xmax]. */
function ssd(boxes: number[][], classes: number[], scores: number[], count = boxes.length): TestTensor[] {
  const n = boxes.length;
  return [
    tensor('TFLite_Detection_PostProcess', 'float32', [1, n, 4], boxes.flat()),
    tensor('TFLite_Detection_PostProcess:1', 'float32', [1, n], classes),
    tensor('TFLite_Detection_PostProcess:2', 'float32', [1, n], scores),
    tensor('TFLite_Detection_PostProcess:3', 'float32', [1], [count]),
  ];
}

function objects(result: Result | Promise<Result>) {
  const r = sync(result);
  if (r.kind !== 'detect') throw new Error(`expected detect, got ${r.kind}`);
  return r.objects;
}

describe('detect-ssd', () => {
  const three = ssd(
    [
      [0.1, 0.2, 0.5, 0.6],
      [0.0, 0.0, 0.25, 0.25],
      [0.5, 0.5, 1.0, 1.0],
      [0.9, 0.9, 0.95, 0.95],
    ],
    [2, 0, 1, 2],
    [0.9, 0.6, 0.4, 0.99],
    3, // the fourth slot is past count: ignored however well it scores
  );

  it('maps boxes to source pixels, thresholds and labels', () => {
    const { infos, tensors } = outputsOf(...three);
    const post = createPostprocessor(config, infos, { ...context, labels });
    expect(objects(post.run(tensors, fillGeometry(640, 480, 300, 300)))).toEqual([
      { index: 2, label: 'car', score: expect.closeTo(0.9, 6), box: approxBox(128, 48, 256, 192) },
      { index: 0, label: 'person', score: expect.closeTo(0.6, 6), box: approxBox(0, 0, 160, 120) },
    ]);
  });

  it('filters classes by label or index and caps the count, best first', () => {
    const { infos, tensors } = outputsOf(...three);
    const geometry = fillGeometry(100, 100, 300, 300);
    const byLabel = createPostprocessor({ ...config, threshold: 0, classes: ['bicycle', 'person'] }, infos, { ...context, labels });
    expect(objects(byLabel.run(tensors, geometry)).map((o) => o.label)).toEqual(['person', 'bicycle']);
    const byIndex = createPostprocessor({ ...config, threshold: 0, classes: ['2'] }, infos, context);
    expect(objects(byIndex.run(tensors, geometry)).map((o) => o.index)).toEqual([2]);
    const capped = createPostprocessor({ ...config, threshold: 0, maxDetections: 2 }, infos, context);
    expect(objects(capped.run(tensors, geometry)).map((o) => o.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.6, 6)]);
  });

  it('uses the label offset', () => {
    const { infos, tensors } = outputsOf(...three);
    const post = createPostprocessor(config, infos, { ...context, labels: ['???', ...labels], labelOffset: 1 });
    expect(objects(post.run(tensors, fillGeometry(10, 10, 300, 300))).map((o) => o.label)).toEqual(['car', 'person']);
  });

  it('undoes a letterbox: pad offsets removed, boxes clamped, boxes inside the pad dropped', () => {
    // 640x480 into 320x320: scale 0.5, 40 px bars above and below (0.125 of the tensor height each).
    const outputs = ssd(
      [
        [0.25, 0.25, 0.5, 0.75],
        [0.0, 0.0, 0.25, 0.5],
        [0.0, 0.0, 0.1, 1.0],
      ],
      [0, 0, 0],
      [0.9, 0.8, 0.7],
    );
    const { infos, tensors } = outputsOf(...outputs);
    const post = createPostprocessor(config, infos, context);
    expect(objects(post.run(tensors, letterboxGeometry(640, 480, 320, 320))).map((o) => o.box)).toEqual([
      approxBox(160, 80, 320, 160),
      approxBox(0, 0, 320, 80),
    ]);
  });

  it('takes min and max of the mapped corners for a rotated source', () => {
    const { infos, tensors } = outputsOf(...ssd([[0.2, 0.1, 0.6, 0.3]], [0], [0.9]));
    const post = createPostprocessor(config, infos, context);
    expect(objects(post.run(tensors, rotated90Geometry(200, 100, 300, 300))).map((o) => o.box)).toEqual([approxBox(40, 70, 80, 20)]);
  });

  it('finds the op outputs by name among state outputs, and clamps a count larger than N', () => {
    const state = tensor('raw_outputs/lstm_c', 'uint8', [1, 2], [0, 0]);
    const { infos, tensors } = outputsOf(state, ...ssd([[0, 0, 1, 1]], [0], [0.9], 7));
    const post = createPostprocessor(config, infos, context);
    expect(objects(post.run(tensors, fillGeometry(10, 20, 300, 300)))).toEqual([
      { index: 0, score: expect.closeTo(0.9, 6), box: { x: 0, y: 0, width: 10, height: 20 } },
    ]);
  });

  it('needs image geometry', () => {
    const { infos, tensors } = outputsOf(...three);
    expect(() => createPostprocessor(config, infos, context).run(tensors, undefined)).toThrow(
      'postprocess.kind: detect-ssd reports source-image pixels but this frame came without image geometry',
    );
  });

  describe('mismatches', () => {
    it('describes what the model has instead of the four outputs', () => {
      expect(mismatchMessage(() => createPostprocessor(config, [info('Identity', 'uint8', [1, 1001])], context))).toBe(
        'postprocess.kind: detect-ssd needs the four TFLite_Detection_PostProcess outputs (boxes [1,N,4], classes [1,N], scores [1,N], count [1]) ' +
          'but model.tflite has 1 output "Identity" uint8 [1,1001]',
      );
      const unequal = [info('b', 'float32', [1, 10, 4]), info('c', 'float32', [1, 10]), info('s', 'float32', [1, 20]), info('n', 'float32', [1])];
      expect(mismatchMessage(() => createPostprocessor(config, unequal, context))).toBe(
        'postprocess.kind: detect-ssd needs the four TFLite_Detection_PostProcess outputs (boxes [1,N,4], classes [1,N], scores [1,N], count [1]) ' +
          'but model.tflite has 4 outputs "b" float32 [1,10,4], "c" float32 [1,10], "s" float32 [1,20], "n" float32 [1]',
      );
    });

    it('refuses class filters the model cannot match', () => {
      const { infos } = outputsOf(...three);
      expect(mismatchMessage(() => createPostprocessor({ ...config, classes: ['car', 'zebra'] }, infos, { ...context, labels }))).toBe(
        'postprocess.classes[1]: "zebra" is neither a label of model.tflite nor a class index',
      );
      expect(mismatchMessage(() => createPostprocessor({ ...config, classes: ['car'] }, infos, context))).toBe(
        'postprocess.classes[0]: "car" is not a class index and model.tflite has no labels (set model.labels, or give indices)',
      );
      expect(mismatchMessage(() => createPostprocessor({ ...config, classes: ['-1'] }, infos, context))).toContain('"-1" is not a class index');
    });
  });
});

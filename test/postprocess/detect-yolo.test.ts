import { describe, expect, it } from 'vitest';
import { createPostprocessor, type Result } from '../../src/postprocess/index.js';
import type { DetectYoloConfig } from '../../src/config/types.js';
import { yoloLayout } from '../../src/postprocess/detect-yolo.js';
import { approxBox, fillGeometry, info, letterboxGeometry, mismatchMessage, outputsOf, quantization, sync, tensor } from './tensors.js';

const config: DetectYoloConfig = {
  kind: 'detect-yolo',
  threshold: 0.5,
  iou: 0.5,
  maxDetections: 10,
  classes: [],
  objectness: true,
  coordinates: 'normalized',
};
const context = { labelOffset: 0, modelName: 'yolo.tflite' };
const labels = ['a', 'b', 'c'];

/** Rows: cx, cy, w, h, objectness, 3 class scores (normalised coordinates); zero rows after them. */
const rows = [
  [0.3, 0.3, 0.2, 0.2, 0.9, 0.9, 0.1, 0.1], // A: 0.81 class 0
  [0.31, 0.31, 0.2, 0.2, 0.8, 0.9, 0.2, 0.1], // B: 0.72 class 0, IoU with A 0.82
  [0.31, 0.3, 0.2, 0.2, 0.9, 0.1, 0.8, 0.1], // C: 0.72 class 1, on top of A
  [0.7, 0.7, 0.2, 0.2, 0.3, 0.9, 0.9, 0.9], // D: objectness 0.3, under the threshold
  [0.7, 0.7, 0.1, 0.1, 0.95, 0.1, 0.1, 0.6], // E: 0.57 class 2
  ...Array.from({ length: 3 }, () => new Array<number>(8).fill(0)), // more boxes than attributes, as real models
];
const withoutObjectness = rows.map((r) => [...r.slice(0, 4), ...r.slice(5)]);
const transpose = (m: number[][]) => m[0]!.map((_, k) => m.map((r) => r[k]!));

const expected = [
  { index: 0, label: 'a', score: expect.closeTo(0.81, 5), box: approxBox(20, 20, 20, 20) },
  { index: 1, label: 'b', score: expect.closeTo(0.72, 5), box: approxBox(21, 20, 20, 20) },
  { index: 2, label: 'c', score: expect.closeTo(0.57, 5), box: approxBox(65, 65, 10, 10) },
];

function objects(result: Result | Promise<Result>) {
  const r = sync(result);
  if (r.kind !== 'detect') throw new Error(`expected detect, got ${r.kind}`);
  return r.objects;
}

describe('detect-yolo', () => {
  const geometry = fillGeometry(100, 100, 320, 320);

  it('rows with objectness (float32): score = objectness x class, per-class NMS', () => {
    const { infos, tensors } = outputsOf(tensor('Identity', 'float32', [1, 8, 8], rows.flat()));
    const post = createPostprocessor(config, infos, { ...context, labels });
    expect(objects(post.run(tensors, geometry))).toEqual(expected);
  });

  it('keeps the overlapping box when its IoU is under the threshold', () => {
    const { infos, tensors } = outputsOf(tensor('Identity', 'float32', [1, 8, 8], rows.flat()));
    const post = createPostprocessor({ ...config, iou: 0.9 }, infos, context);
    expect(objects(post.run(tensors, geometry)).map((o) => o.score)).toEqual([0.81, 0.72, 0.72, 0.57].map((s) => expect.closeTo(s, 5)));
  });

  it('rows without objectness (int8, scale 0.005, zero point -100)', () => {
    const q = quantization(0.005, -100);
    const { infos, tensors } = outputsOf(tensor('Identity', 'int8', [1, 8, 7], withoutObjectness.flat(), q));
    const post = createPostprocessor({ ...config, objectness: false }, infos, { ...context, labels });
    // Without objectness: A 0.9, B 0.9 (suppressed by A), C 0.8, D 0.9 (class 0), E 0.6 (class 2, inside D: kept).
    expect(objects(post.run(tensors, geometry))).toEqual([
      { index: 0, label: 'a', score: expect.closeTo(0.9, 9), box: approxBox(20, 20, 20, 20) },
      { index: 0, label: 'a', score: expect.closeTo(0.9, 9), box: approxBox(60, 60, 20, 20) },
      { index: 1, label: 'b', score: expect.closeTo(0.8, 9), box: approxBox(21, 20, 20, 20) },
      { index: 2, label: 'c', score: expect.closeTo(0.6, 9), box: approxBox(65, 65, 10, 10) },
    ]);
  });

  it('the transposed YOLOv8 layout [1,4+C,N] (uint8, scale 0.005)', () => {
    const q = quantization(0.005, 0);
    const { infos, tensors } = outputsOf(tensor('Identity', 'uint8', [1, 7, 8], transpose(withoutObjectness).flat(), q));
    expect(yoloLayout(infos[0]!, false)).toEqual({ boxes: 8, attributes: 7, classes: 3, transposed: true });
    const post = createPostprocessor({ ...config, objectness: false, threshold: 0.85 }, infos, { ...context, labels });
    expect(objects(post.run(tensors, geometry))).toEqual([
      { index: 0, label: 'a', score: expect.closeTo(0.9, 9), box: approxBox(20, 20, 20, 20) },
      { index: 0, label: 'a', score: expect.closeTo(0.9, 9), box: approxBox(60, 60, 20, 20) },
    ]);
  });

  it('reads the layout from the shape: the attributes are the smaller dimension unless the labels say otherwise', () => {
    expect(yoloLayout(info('o', 'float32', [1, 84, 8400]), false)).toEqual({ boxes: 8400, attributes: 84, classes: 80, transposed: true });
    expect(yoloLayout(info('o', 'int8', [1, 25200, 85]), true)).toEqual({ boxes: 25200, attributes: 85, classes: 80, transposed: false });
    expect(yoloLayout(info('o', 'float32', [6300, 85]), true)).toEqual({ boxes: 6300, attributes: 85, classes: 80, transposed: false });
    expect(yoloLayout(info('o', 'float32', [1, 6, 6]), false)).toEqual({ boxes: 6, attributes: 6, classes: 2, transposed: false });
    // 5 boxes of 8 values: by shape 8 boxes of 5 values, which leave no class; 3 labels pick the rows.
    expect(yoloLayout(info('o', 'float32', [1, 5, 8]), true)).toBeUndefined();
    expect(yoloLayout(info('o', 'float32', [1, 5, 8]), true, 3)).toEqual({ boxes: 5, attributes: 8, classes: 3, transposed: false });
    expect(yoloLayout(info('o', 'float32', [1, 8, 5]), false, 4)).toEqual({ boxes: 5, attributes: 8, classes: 4, transposed: true });
    // Other kinds of output are not YOLO rows.
    expect(yoloLayout(info('o', 'uint8', [1, 1001]), false)).toBeUndefined();
    expect(yoloLayout(info('o', 'float32', [1, 40, 4]), false)).toBeUndefined();
    expect(yoloLayout(info('o', 'float32', [2, 5, 8]), true)).toBeUndefined();
    expect(yoloLayout(info('o', 'string', [1, 85, 100]), true)).toBeUndefined();
  });

  it('pixel coordinates are divided by the tensor size', () => {
    const pixels = rows.map((r) => [r[0]! * 320, r[1]! * 320, r[2]! * 320, r[3]! * 320, ...r.slice(4)]);
    const { infos, tensors } = outputsOf(tensor('Identity', 'float32', [1, 8, 8], pixels.flat()));
    const post = createPostprocessor({ ...config, coordinates: 'pixels' }, infos, { ...context, labels });
    expect(objects(post.run(tensors, geometry))).toEqual(expected);
  });

  it('filters on the best class (by label or index) without relabelling a box, and caps the count', () => {
    const twoClasses = rows.map((r, i) => (i === 0 ? [...r.slice(0, 5), 0.9, 0.85, 0.1] : r));
    const { infos, tensors } = outputsOf(tensor('Identity', 'float32', [1, 8, 8], twoClasses.flat()));
    const byLabel = createPostprocessor({ ...config, classes: ['b'] }, infos, { ...context, labels });
    expect(objects(byLabel.run(tensors, geometry)).map((o) => [o.index, o.score])).toEqual([[1, expect.closeTo(0.72, 5)]]);
    const byIndex = createPostprocessor({ ...config, classes: ['2', '0'] }, infos, context);
    expect(objects(byIndex.run(tensors, geometry)).map((o) => o.index)).toEqual([0, 2]);
    const capped = createPostprocessor({ ...config, maxDetections: 2 }, infos, context);
    expect(objects(capped.run(tensors, geometry)).map((o) => o.index)).toEqual([0, 1]);
  });

  it('maps through a letterbox and drops boxes inside the pad', () => {
    // 640x480 into 320x320: 40 px bars (0.125) above and below.
    const inPad = [0.5, 0.05, 0.2, 0.05, 0.9, 0.9, 0, 0];
    const middle = [0.5, 0.5, 0.5, 0.25, 0.9, 0.9, 0, 0];
    const { infos, tensors } = outputsOf(tensor('Identity', 'float32', [1, 2, 8], [...inPad, ...middle]));
    // 2 boxes of 8 values: only the labels tell this from 8 boxes of 2.
    const post = createPostprocessor(config, infos, { ...context, labels });
    expect(objects(post.run(tensors, letterboxGeometry(640, 480, 320, 320))).map((o) => o.box)).toEqual([approxBox(160, 160, 320, 160)]);
  });

  describe('mismatches', () => {
    it('describes the expected layouts and what the model has', () => {
      expect(mismatchMessage(() => createPostprocessor(config, [info('Identity', 'uint8', [1, 1001])], context))).toBe(
        'postprocess.kind: detect-yolo with objectness: true needs a first output [1,N,4+1+C] or [1,4+1+C,N] (C >= 1) but yolo.tflite has 1 output "Identity" uint8 [1,1001]',
      );
      expect(mismatchMessage(() => createPostprocessor({ ...config, objectness: false }, [info('o', 'float32', [1, 100, 4])], context))).toBe(
        'postprocess.kind: detect-yolo with objectness: false needs a first output [1,N,4+C] or [1,4+C,N] (C >= 1) but yolo.tflite has 1 output "o" float32 [1,100,4]',
      );
    });

    it('hints at the objectness setting when the labels are one off', () => {
      const coco = Array.from({ length: 80 }, (_, i) => `c${i}`);
      expect(mismatchMessage(() => createPostprocessor(config, [info('o', 'float32', [1, 84, 8400])], { ...context, labels: coco }))).toBe(
        'model.labels: 80 labels but output "o" has 79 classes with postprocess.objectness: true; set postprocess.objectness: false (YOLOv8 rows have none)',
      );
      expect(
        mismatchMessage(() => createPostprocessor({ ...config, objectness: false }, [info('o', 'int8', [1, 25200, 85])], { ...context, labels: coco })),
      ).toBe(
        'model.labels: 80 labels but output "o" has 81 classes with postprocess.objectness: false; set postprocess.objectness: true if each row carries an objectness score',
      );
      expect(() => createPostprocessor({ ...config, objectness: false }, [info('o', 'float32', [1, 84, 8400])], { ...context, labels: coco })).not.toThrow();
      expect(mismatchMessage(() => createPostprocessor(config, [info('o', 'float32', [1, 25200, 85])], { ...context, labels: coco.slice(0, 70) }))).toBe(
        'model.labels: 70 labels but output "o" has 80 classes',
      );
    });

    it('refuses class indices beyond the output', () => {
      expect(mismatchMessage(() => createPostprocessor({ ...config, classes: ['3'] }, [info('o', 'float32', [1, 10, 8])], context))).toBe(
        'postprocess.classes[0]: class index 3 is out of range: yolo.tflite has 3 classes (0-2)',
      );
    });
  });
});

/**
 * detect-ssd predictions carry the label names a detector packs in its metadata as TENSOR_VALUE_LABELS on the
 * classes output: a tiny detector written by the project's writer and run by the real TFLite_Detection_PostProcess
 * op, then the real COCO SSD detector from ../shared/models (README there).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createPostprocessor, type DetectedObject } from '../../src/postprocess/index.js';
import { Interpreter, Model } from '../../src/runtime/index.js';
import { writeImageInput } from '../../src/preprocess/image-input.js';
import { postprocessContext } from '../../src/pipeline/labels.js';
import type { DetectSsdConfig } from '../../src/config/types.js';
import { TINY_DETECTOR_LABELS, tinySsdDetector } from '../helpers/detector-models.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { approxBox, fillGeometry, sync } from './tensors.js';
import { payloadOf } from './payload.js';

const config: DetectSsdConfig = { kind: 'detect-ssd', threshold: 0.5, maxDetections: 10, classes: [] };

async function detectTiny(bytes: Uint8Array, configOverride: Partial<DetectSsdConfig> = {}, labelsFile?: string): Promise<DetectedObject[]> {
  const model = Model.fromBuffer(bytes, 'tiny-ssd.tflite');
  const interpreter = await Interpreter.create(model, { threads: 1 });
  try {
    // Zero box encodings: each box is its anchor. Scores per anchor: background, person, bicycle, car.
    (interpreter.input(0) as Float32Array).fill(0);
    (interpreter.input(1) as Float32Array).set([0.1, 0.05, 0.0, 0.9, 0.0, 0.8, 0.1, 0.05, 0.9, 0.1, 0.2, 0.1]);
    await interpreter.invoke();
    const context = await postprocessContext(model, labelsFile, 0, 'tiny-ssd.tflite');
    const post = createPostprocessor({ ...config, ...configOverride }, interpreter.outputs, context);
    const result = sync(post.run({ infos: interpreter.outputs, values: interpreter.outputs.map((_, i) => interpreter.output(i)) }, fillGeometry(100, 100, 100, 100)));
    if (result.kind !== 'detect') throw new Error(result.kind);
    return result.objects;
  } finally {
    interpreter.dispose();
  }
}

describe('detect-ssd labels from TENSOR_VALUE_LABELS metadata', () => {
  it('a tiny detector with labelmap.txt on its classes output: detections carry the label names', async () => {
    expect(await detectTiny(tinySsdDetector())).toEqual([
      // Anchor (0.3, 0.3, 0.2, 0.2) scored 0.9 for "car" (class value 2); anchor (0.7, 0.6, 0.4, 0.2) 0.8 for "person".
      { index: 2, label: 'car', score: expect.closeTo(0.9, 6), box: approxBox(20, 20, 20, 20) },
      { index: 0, label: 'person', score: expect.closeTo(0.8, 6), box: approxBox(50, 50, 20, 40) },
    ]);
    const { payload, problems } = payloadOf({ kind: 'detect', objects: await detectTiny(tinySsdDetector()) });
    expect(problems).toEqual([]);
    expect(payload['result']).toEqual({
      kind: 'detect',
      objects: [
        { index: 2, label: 'car', score: 0.9, box: { x: 20, y: 20, width: 20, height: 20 } },
        { index: 0, label: 'person', score: 0.8, box: { x: 50, y: 50, width: 20, height: 40 } },
      ],
    });
  });

  it('postprocess.classes filters by those label names; without the file, class numbers only', async () => {
    expect((await detectTiny(tinySsdDetector(), { classes: ['person'] })).map((o) => o.label)).toEqual(['person']);
    const bare = await detectTiny(tinySsdDetector({ valueLabels: false }));
    expect(bare.map((o) => o.index)).toEqual([2, 0]);
    expect(bare.every((o) => !('label' in o))).toBe(true);
    expect(TINY_DETECTOR_LABELS[2]).toBe('car');
  });
});

describe.skipIf(!hasSharedModels)('the COCO SSD detector labels its detections from its own metadata', () => {
  async function detect(image: string): Promise<DetectedObject[]> {
    const model = await Model.fromFile(sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite'));
    const interpreter = await Interpreter.create(model, { threads: 1 });
    try {
      await writeImageInput(sharedModel(image), interpreter.inputs[0]!, interpreter.input(0));
      await interpreter.invoke();
      const { width, height } = await sharp(sharedModel(image)).metadata();
      const context = await postprocessContext(model, undefined, 0, 'coco_ssd.tflite');
      const post = createPostprocessor(config, interpreter.outputs, context);
      const result = sync(post.run({ infos: interpreter.outputs, values: interpreter.outputs.map((_, i) => interpreter.output(i)) }, fillGeometry(width!, height!, 300, 300)));
      if (result.kind !== 'detect') throw new Error(result.kind);
      return result.objects;
    } finally {
      interpreter.dispose();
    }
  }

  it('grace_hopper.png: a person; cat.png: a cat; kite_and_cold.jpg: people and kites (labels, not class numbers)', async () => {
    const hopper = await detect('images/grace_hopper.png');
    expect(hopper[0], JSON.stringify(hopper)).toMatchObject({ index: 0, label: 'person' });
    const cat = await detect('images/cat.png');
    expect(cat[0], JSON.stringify(cat)).toMatchObject({ index: 16, label: 'cat' });
    const kites = await detect('images/kite_and_cold.jpg');
    expect(new Set(kites.map((o) => o.label))).toEqual(new Set(['person', 'kite']));
    for (const o of [...hopper, ...cat, ...kites]) expect(typeof o.label).toBe('string');
    expect(payloadOf({ kind: 'detect', objects: [...hopper, ...cat, ...kites] }).problems).toEqual([]);
  });
});

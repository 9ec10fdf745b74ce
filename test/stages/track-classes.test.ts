/** Class names of `track:` checked against the model's labels at validate and at pipeline start. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { validateModels } from '../../src/pipeline/validate.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-track-classes-'));

const yaml = (model: string, classes: string) => `
version: 1
pipelines:
  - name: door
    source: { kind: synthetic, width: 64, height: 48, frames: 2 }
    model: { file: ${model} }
    postprocess: { kind: detect-ssd }
    track: { classes: ${classes} }
`;

describe('track class names against the model labels', () => {
  it.skipIf(!hasSharedModels)('validate names the field and suggests the label', async () => {
    const model = sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite');
    const config = parseConfig(path.join(dir, 'door.yaml'), yaml(model, '[persn, car]'));
    const problems = await validateModels([config]);
    expect(problems).toEqual([
      expect.objectContaining({ pipeline: 'door', field: 'track.classes[0]', message: `track.classes[0]: "persn" is not a label of ${model}; did you mean "person"?` }),
    ]);
  });

  it('pipeline start fails naming the field when the model has no labels', async () => {
    const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8);
    const text = yaml(model, '[person]').replace('detect-ssd', 'detect-yolo');
    const config = parseConfig(path.join(dir, 'door.yaml'), text);
    const pipeline = new Pipeline(config.pipelines[0]!, { runtime: config.runtime, logger: memoryLogger(), extraSinks: () => [] });
    await expect(pipeline.start()).rejects.toThrow(/track\.classes\[0\]: "person" is not a class index and .*yolo\.tflite has no labels \(set model\.labels, or give indices\)/);
    await pipeline.stop();
  });
});

/**
 * The cascade checks that need the models, before anything runs: `edgepipe validate` (each at the field's
 * file:line:col) and pipeline start refuse a second model that takes no image and class names that are not labels
 * of the pipeline's model (with a did-you-mean).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { validateModels } from '../../src/pipeline/validate.js';
import { runCli } from '../helpers/cli.js';
import { writeColourModel, writeYoloLayoutModel } from '../helpers/image-models.js';
import { writeSensorModel } from '../helpers/sensor-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-cascade-validate-'));
const colourModel = writeColourModel(dir);
const sensorModel = writeSensorModel(dir, 'sensor.tflite', 16, 2).file;
const detector = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [{ cx: 0.5, cy: 0.5, w: 0.2, h: 0.2, classIndex: 2, score: 0.9 }]);
const labels = path.join(dir, 'labels.txt');
writeFileSync(labels, 'person\nbicycle\ncar\n');

const yaml = (second: string, classes: string) => `version: 1
pipelines:
  - name: gate
    source: { kind: synthetic, width: 64, height: 48, frames: 2 }
    model: { file: ${detector}, labels: ${labels}, delegates: [cpu] }
    postprocess: { kind: detect-yolo, objectness: false, coordinates: normalized }
    track: {}
    sinks: [{ kind: file, path: ${path.join(dir, 'out.jsonl')} }]
    cascade:
      - model: ${second}
        classes: ${classes}
`;

const notImages = `${sensorModel} does not take images: its input "input" is int8 [1,16], not an image ([1,H,W,C] or [1,C,H,W] with C = 1 or 3); ` +
  'a cascade feeds crops of tracked objects to an image classifier';

describe('cascade checks with the models', () => {
  it('validate: a second model that takes no image, and a class that is no label of the detector (did you mean)', async () => {
    const config = parseConfig(path.join(dir, 'gate.yaml'), yaml(sensorModel, '[cra, 1]'));
    expect(await validateModels([config])).toEqual([
      expect.objectContaining({ pipeline: 'gate', field: 'cascade[0].classes[0]', message: `cascade[0].classes[0]: "cra" is not a label of ${detector}; did you mean "car"?` }),
      expect.objectContaining({ pipeline: 'gate', field: 'cascade[0].model', message: `cascade[0].model: ${notImages}` }),
    ]);
    const fits = parseConfig(path.join(dir, 'gate.yaml'), yaml(colourModel, '[car]'));
    expect(await validateModels([fits])).toEqual([]);
  });

  it('validate: an unknown delegate in the second model\'s chain, at its field', async () => {
    const config = parseConfig(path.join(dir, 'gate.yaml'), yaml(colourModel, '[car]\n        delegates: [edgetpuu]'));
    expect(await validateModels([config])).toEqual([
      expect.objectContaining({ field: 'cascade[0].delegates', message: expect.stringMatching(/^cascade\[0\]\.delegates: Expected a delegate named in delegates\/ \(.*cpu\) but received "edgetpuu"$/) }),
    ]);
  });

  it('edgepipe validate prints each at the file:line:col of its field', async () => {
    const file = path.join(dir, 'gate.yaml');
    writeFileSync(file, yaml(sensorModel, '[cra]'));
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:11:19: pipeline gate: cascade[0].classes[0]: "cra" is not a label of ${detector}; did you mean "car"?`);
    expect(result.stderr).toContain(`${file}:10:16: pipeline gate: cascade[0].model: ${notImages}`);
  });

  it('pipeline start refuses both, naming the field, before the source runs', async () => {
    for (const [second, classes, message] of [
      [sensorModel, '[car]', `pipeline gate: cascade[0].model: ${notImages}`],
      [colourModel, '[cra]', `pipeline gate: cascade[0].classes[0]: "cra" is not a label of ${detector}; did you mean "car"?`],
    ] as const) {
      const config = parseConfig(path.join(dir, 'gate.yaml'), yaml(second, classes));
      const pipeline = new Pipeline(config.pipelines[0]!, { runtime: config.runtime, logger: memoryLogger() });
      await expect(pipeline.start()).rejects.toThrow(message);
      await pipeline.stop();
      expect(pipeline.stats.framesIn).toBe(0);
    }
  });
});

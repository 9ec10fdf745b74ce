/** Class names of zones and lines against the model's labels: unit, and at pipeline start (the model is known then). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { zoneClassProblems } from '../../src/zones/class-check.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-zone-classes-'));

describe('zone and line class names', () => {
  it('each unknown name with its field and a did-you-mean; indices in range; placeholders of COCO label files are no labels', () => {
    const labels = ['???', 'person', 'bicycle', 'car', '???'];
    const problems = zoneClassProblems({ zones: [{ classes: ['person', 'persn'] }, {}], lines: [{ classes: ['2', '5', 'bicycel', '???'] }] }, labels, 1, 'coco.tflite', 4);
    expect(problems).toEqual([
      { field: 'zones[0].classes[1]', message: '"persn" is not a label of coco.tflite; did you mean "person"?' },
      { field: 'lines[0].classes[1]', message: 'class index 5 is out of range: coco.tflite has 4 classes (0-3)' },
      { field: 'lines[0].classes[2]', message: '"bicycel" is not a label of coco.tflite; did you mean "bicycle"?' },
      { field: 'lines[0].classes[3]', message: '"???" is not a label of coco.tflite' },
    ]);
  });

  it('take the name of a merge group, and say which name a class of a named group is counted under', () => {
    const labels = ['person', 'car', 'truck', 'cell phone'];
    const track = { mergeClasses: [{ as: 'vehicle', classes: ['car', 'truck'] }, { as: 'cell phone', classes: ['cell phone'] }, { classes: ['person', '3'] }] };
    const problems = zoneClassProblems({ zones: [{ classes: ['vehicle', 'truck', 'cell phone'] }], lines: [{ classes: ['person', 'vehicel'] }], track }, labels, 0, 'coco.tflite');
    expect(problems).toEqual([
      { field: 'zones[0].classes[1]', message: '"truck" is tracked as "vehicle" (track.merge_classes[0].as); expected vehicle' },
      { field: 'lines[0].classes[1]', message: '"vehicel" is not a label of coco.tflite; did you mean "vehicle"?' },
    ]);
  });

  it('refuse the pipeline\'s start, naming the field', async () => {
    const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8);
    const labels = path.join(dir, 'labels.txt');
    writeFileSync(labels, 'person\nbicycle\ncar\n');
    const config = parseConfig(path.join(dir, 'door.yaml'), `
version: 1
pipelines:
  - name: door
    source: { kind: synthetic, width: 64, height: 48, frames: 2 }
    model: { file: ${model}, labels: ${labels} }
    postprocess: { kind: detect-yolo, objectness: false }
    track: {}
    lines: [ { name: gate, points: [[0, 10], [60, 10]], classes: [cars] } ]
`);
    const pipeline = new Pipeline(config.pipelines[0]!, { runtime: config.runtime, logger: memoryLogger(), extraSinks: () => [] });
    await expect(pipeline.start()).rejects.toThrow(`pipeline door: lines[0].classes[0]: "cars" is not a label of ${model}; did you mean "car"?`);
    await pipeline.stop();
  });
});

/** The `cascade:` section of the pipeline YAML: defaults, and the checks the schema makes at file:line:col. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { cascadeName } from '../../src/config/schema-cascade.js';
import { configError, placeholderModel, problemLines } from '../config/helpers.js';

const model = JSON.stringify(placeholderModel);
const problems = async (text: string): Promise<string[]> => problemLines(await configError(() => parseConfig('c.yaml', text)));
const pipeline = (rest: string, postprocess = 'detect-ssd', source = '{ kind: synthetic, width: 640, height: 480 }') =>
  `version: 1\npipelines:\n  - name: gate\n    source: ${source}\n    model: { file: ${model} }\n    postprocess: { kind: ${postprocess} }\n${rest}`;

describe('cascade in the config', () => {
  it('fills the defaults and resolves the model path against the YAML file', () => {
    const config = parseConfig('/etc/edgepipe/c.yaml', pipeline('    track: { classes: [car] }\n    cascade:\n      - { model: ./m/colour.tflite, classes: [car] }\n'));
    expect(config.pipelines[0]!.cascade).toEqual([
      { model: '/etc/edgepipe/m/colour.tflite', labelOffset: 0, classes: ['car'], margin: 0.1, resize: 'fill', everyFrames: 10, regrow: 1.5, maxPerSecond: 5, queue: 4, minScore: 0 },
    ]);
    expect(cascadeName(config.pipelines[0]!.cascade![0]!)).toBe('colour');
    expect(cascadeName({ model: '/m/Car Make v2.TFLITE' })).toBe('car_make_v2');
  });

  it('a cascade without a track section, on a detector and on a classifier', async () => {
    expect(await problems(pipeline('    cascade:\n      - { model: ./m.tflite, classes: [car] }\n'))).toEqual([
      'c.yaml:8:7: pipelines[0].cascade: runs on tracked objects: add a track section (the crops follow its track ids)',
    ]);
    expect(await problems(pipeline('    cascade:\n      - { model: ./m.tflite, classes: [car] }\n', 'classify'))).toEqual([
      'c.yaml:8:7: pipelines[0].cascade: runs on tracked objects of a detector; postprocess classify finds no boxes: use detect-ssd or detect-yolo with a track section, or remove cascade',
    ]);
  });

  it('a tracker on a classifier is refused at its line', async () => {
    expect(await problems(pipeline('    track: { classes: [car] }\n', 'classify'))).toEqual([
      'c.yaml:7:12: pipelines[0].track: follows objects found by a detector; postprocess classify finds no boxes: use detect-ssd or detect-yolo, or remove track',
    ]);
  });

  it('a regrow factor that is no growth', async () => {
    const text = pipeline('    track: { classes: [car] }\n    cascade:\n      - { model: ./a.tflite, classes: [car], regrow: 1 }\n');
    expect(await problems(text)).toEqual([
      'c.yaml:9:54: pipelines[0].cascade[0].regrow: is 1; give a factor above 1 (1.5 = half as large again), or 0 for never',
    ]);
  });

  it('classes the tracker does not track, and two cascades with one name', async () => {
    const text = pipeline(
      '    track: { classes: [car, person] }\n' +
      '    cascade:\n' +
      '      - { model: ./a/colour.tflite, classes: [car, truck] }\n' +
      '      - { model: ./b/colour.tflite, classes: [person] }\n',
    );
    expect(await problems(text)).toEqual([
      'c.yaml:9:52: pipelines[0].cascade[0].classes[1]: "truck" is not tracked (track.classes: car, person); add it to track.classes or remove it here',
      'c.yaml:10:18: pipelines[0].cascade[1].model: the name "colour" is already cascade[0]\'s; give each cascade a unique name',
    ]);
  });

  it('an empty class list, and an unknown field with a suggestion', async () => {
    expect(await problems(pipeline('    track: {}\n    cascade:\n      - { model: ./m.tflite, classes: [], every_frame: 5 }\n'))).toEqual([
      'c.yaml:9:39: pipelines[0].cascade[0].classes: expected at least 1 item, received an empty list',
      'c.yaml:9:43: pipelines[0].cascade[0].every_frame: unknown field; did you mean "every_frames"?',
    ]);
  });
});

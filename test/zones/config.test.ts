/**
 * `zones:` and `lines:` in the pipeline YAML: the validated shape (a ZoneSpec / LineSpec for the engine as is),
 * and each problem at file:line:col with what was expected.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { LineConfig, ZoneConfig } from '../../src/config/types.js';
import type { LineSpec, ZoneSpec } from '../../src/zones/types.js';
import { ZoneEngine } from '../../src/zones/zone-engine.js';
import { configError, placeholderModel, problemLines } from '../config/helpers.js';

/** One detector pipeline on a 640x480 synthetic source, with `extra` YAML lines (4-space indented) after postprocess, then `track: {}` (zones follow tracks). */
const yaml = (extra: string, source = '{ kind: synthetic, width: 640, height: 480 }', postprocess = 'detect-ssd') =>
  `version: 1\npipelines:\n  - name: door\n    source: ${source}\n    model: { file: ${JSON.stringify(placeholderModel)} }\n    postprocess: { kind: ${postprocess} }\n${extra}${postprocess.startsWith('detect') ? '    track: {}\n' : ''}`;
const problems = async (text: string): Promise<string[]> => problemLines(await configError(() => parseConfig('z.yaml', text)));

describe('zones and lines in the config', () => {
  it('a valid file: defaults filled, camelCase, usable by the engine as is', () => {
    const config = parseConfig('z.yaml', yaml(
      '    zones:\n' +
      '      - name: doorway\n' +
      '        points: [[100, 300], [540, 300], [540, 480], [100, 480]]\n' +
      '        classes: [person]\n' +
      '        loiter_s: 60\n' +
      '      - { name: yard, points: [[0, 0], [1, 0], [1, 0.5]], units: fraction, anchor: centre, min_time_s: 0 }\n' +
      '    lines:\n' +
      '      - { name: gate, points: [[0, 360], [640, 360]], hysteresis_px: 6 }\n',
    ));
    const pipeline = config.pipelines[0]!;
    expect(pipeline.zones).toEqual([
      { name: 'doorway', points: [[100, 300], [540, 300], [540, 480], [100, 480]], units: 'pixels', classes: ['person'], anchor: 'bottom_centre', minTimeS: 0.5, leaveS: 1, loiterS: 60 },
      { name: 'yard', points: [[0, 0], [1, 0], [1, 0.5]], units: 'fraction', anchor: 'centre', minTimeS: 0, leaveS: 1 },
    ]);
    expect(pipeline.lines).toEqual([{ name: 'gate', points: [[0, 360], [640, 360]], units: 'pixels', anchor: 'bottom_centre', hysteresisPx: 6 }]);
    expectTypeOf<ZoneConfig>().toMatchTypeOf<ZoneSpec>();
    expectTypeOf<LineConfig>().toMatchTypeOf<LineSpec>();
    const engine = new ZoneEngine({ pipeline: pipeline.name, zones: pipeline.zones!, lines: pipeline.lines! });
    expect(engine.update([], { atMs: 0, frame: { width: 640, height: 480 } })).toEqual([]);
    expect(Object.keys(engine.snapshot().zones)).toEqual(['doorway', 'yard']);
  });

  it('a zone of 2 points, a polygon crossing itself, fractions above 1: each at its place, saying what was expected', async () => {
    expect(await problems(yaml(
      '    zones:\n' +
      '      - name: thin\n' +
      '        points: [[0, 0], [10, 10]]\n' +
      '      - name: bowtie\n' +
      '        points: [[0, 0], [100, 100], [100, 0], [0, 100]]\n' +
      '      - name: big\n' +
      '        units: fraction\n' +
      '        points: [[0, 0], [1.5, 0], [1, 1]]\n',
    ))).toEqual([
      'z.yaml:9:17: pipelines[0].zones[0].points: a zone needs at least 3 points (a polygon), received 2; use a line for a tripwire',
      'z.yaml:11:17: pipelines[0].zones[1].points: the polygon crosses itself: the edge from points[0] to points[1] crosses the edge from points[2] to points[3]; list the points in order around the zone',
      'z.yaml:14:26: pipelines[0].zones[2].points[1]: [1.5, 0] is outside the frame; expected fractions between 0 and 1 (units: fraction)',
    ]);
  });

  it('pixel points outside the source frame, when the source states its size; not when it does not', async () => {
    const zone = '    zones:\n      - name: wide\n        points: [[0, 0], [700, 0], [700, 400]]\n';
    expect(await problems(yaml(zone))).toEqual([
      "z.yaml:9:26: pipelines[0].zones[0].points[1]: [700, 0] is outside the frame; expected pixels with x 0..640, y 0..480 (the source's 640x480 frame)",
      "z.yaml:9:36: pipelines[0].zones[0].points[2]: [700, 400] is outside the frame; expected pixels with x 0..640, y 0..480 (the source's 640x480 frame)",
    ]);
    expect(parseConfig('z.yaml', yaml(zone, '{ kind: images, path: ./frames }')).pipelines[0]!.zones).toHaveLength(1);
    expect(await problems(yaml('    lines:\n      - { name: gate, points: [[0, 500], [640, 500]] }\n', '{ kind: camera, input: /dev/video0, width: 640, height: 480 }'))).toEqual([
      "z.yaml:8:32: pipelines[0].lines[0].points[0]: [0, 500] is outside the frame; expected pixels with x 0..640, y 0..480 (the source's 640x480 frame)",
      "z.yaml:8:42: pipelines[0].lines[0].points[1]: [640, 500] is outside the frame; expected pixels with x 0..640, y 0..480 (the source's 640x480 frame)",
    ]);
  });

  it('duplicate names across zones and lines, a name that cannot be a topic level, a line of 3 points', async () => {
    expect(await problems(yaml(
      '    zones:\n' +
      '      - { name: door, points: [[0, 0], [10, 0], [10, 10]] }\n' +
      '      - { name: Front Door, points: [[0, 0], [10, 0], [10, 10]] }\n' +
      '    lines:\n' +
      '      - { name: door, points: [[0, 5], [10, 5]] }\n' +
      '      - { name: gate, points: [[0, 5], [10, 5], [20, 5]] }\n',
    ))).toEqual([
      'z.yaml:9:17: pipelines[0].zones[1].name: expected a name of lowercase letters, digits, - and _ (1 to 63, starting with a letter or digit), received "Front Door"; did you mean "front-door"?',
      'z.yaml:12:31: pipelines[0].lines[1].points: expected a list of 2 [x, y] points (A, then B), received a list of 3',
    ]);
    // Once each zone and line is valid on its own, the pipeline-wide check says the name is taken.
    expect(await problems(yaml(
      '    zones:\n      - { name: door, points: [[0, 0], [10, 0], [10, 10]] }\n    lines:\n      - { name: door, points: [[0, 5], [10, 5]] }\n',
    ))).toEqual([
      'z.yaml:10:17: pipelines[0].lines[0].name: "door" is already the name of zones[0]; zone and line names must be unique in a pipeline (they name topics)',
    ]);
  });

  it('zones without a track section: they follow track ids', async () => {
    const text = `version: 1\npipelines:\n  - name: door\n    source: { kind: synthetic, width: 640, height: 480 }\n    model: { file: ${JSON.stringify(placeholderModel)} }\n    postprocess: { kind: detect-ssd }\n    zones:\n      - { name: door, points: [[0, 0], [10, 0], [10, 10]] }\n`;
    expect(await problems(text)).toEqual([
      'z.yaml:8:7: pipelines[0].zones: count tracked objects: add a track section (zones and lines follow its track ids)',
    ]);
  });

  it('zones on a result without boxes', async () => {
    expect(await problems(yaml('    zones:\n      - { name: door, points: [[0, 0], [10, 0], [10, 10]] }\n', undefined, 'classify'))).toEqual([
      'z.yaml:8:7: pipelines[0].zones: need objects with boxes: use postprocess detect-ssd or detect-yolo (classify results have none)',
    ]);
  });
});

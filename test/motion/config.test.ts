/**
 * The `motion` section of a pipeline: defaults, and each mistake reported at file:line:col with what was expected.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { motionDefaults } from '../../src/config/schema-motion.js';
import { configError, placeholderModel, problemLines } from '../config/helpers.js';

const yaml = (motion: string, source = '{ kind: synthetic, width: 640, height: 480 }') => `version: 1
pipelines:
  - name: p
    source: ${source}
    model: { file: ${placeholderModel} }
    postprocess: { kind: classify }
    motion:
${motion}
`;

const problems = async (motion: string, source?: string): Promise<string[]> =>
  problemLines(await configError(() => parseConfig('/tmp/x/p.yaml', yaml(motion, source)))).map((line) => line.replace('/tmp/x/', ''));

describe('motion config', () => {
  it('fills every default, and leaves motion absent when the section is', () => {
    const config = parseConfig('/tmp/x/p.yaml', yaml('      masks: [{ points: [[0, 0], [10, 0], [10, 10]] }]'));
    expect(config.pipelines[0]!.motion).toEqual({
      ...motionDefaults,
      masks: [{ units: 'pixels', points: [[0, 0], [10, 0], [10, 10]] }],
    });
    const without = parseConfig('/tmp/x/p.yaml', yaml('').replace('    motion:\n', ''));
    expect(without.pipelines[0]!.motion).toBeUndefined();
  });

  it('reports a polygon with fewer than 3 points where it is', async () => {
    expect(await problems('      masks:\n        - points: [[0, 0], [10, 0]]')).toEqual([
      'p.yaml:9:19: pipelines[0].motion.masks[0].points: a polygon needs at least 3 points, received 2 points',
    ]);
  });

  it('reports a pixel point outside the frame of a source whose size is known', async () => {
    expect(await problems('      masks:\n        - points: [[0, 0], [700, 0], [10, 10]]')).toEqual([
      'p.yaml:9:28: pipelines[0].motion.masks[0].points[1]: [700, 0] is outside the 640x480 frame of the synthetic source (x 0 to 640, y 0 to 480)',
    ]);
    const camera = '{ kind: camera, input: "lavfi:testsrc2", width: 320, height: 240 }';
    expect(await problems('      masks:\n        - points: [[0, 0], [10, 0], [10, 241]]', camera)).toEqual([
      'p.yaml:9:37: pipelines[0].motion.masks[0].points[2]: [10, 241] is outside the 320x240 frame of the camera source (x 0 to 320, y 0 to 240)',
    ]);
    // A camera of unknown size cannot be checked before it runs: accepted (the detector clips the polygon).
    const unsized = parseConfig('/tmp/x/p.yaml', yaml('      masks:\n        - points: [[0, 0], [5000, 0], [10, 10]]', '{ kind: camera, input: "lavfi:testsrc2" }'));
    expect(unsized.pipelines[0]!.motion!.masks[0]!.points[1]).toEqual([5000, 0]);
  });

  it('reports fractions above 1, negative coordinates and a wrong unit', async () => {
    expect(
      await problems(
        '      masks:\n        - { units: fraction, points: [[0, 0], [1.5, 0], [1, 1]] }\n        - { units: fractoin, points: [[0, -1], [1, 0], [1, 1]] }',
      ),
    ).toEqual([
      'p.yaml:9:47: pipelines[0].motion.masks[0].points[1]: [1.5, 0] is outside the frame: fractions run from 0 to 1 (use units: pixels for pixels)',
      'p.yaml:10:20: pipelines[0].motion.masks[1].units: expected one of pixels, fraction, received "fractoin"; did you mean "fraction"?',
      'p.yaml:10:43: pipelines[0].motion.masks[1].points[0][1]: expected a number of 0 or more, received -1',
    ]);
  });

  it('reports motion on a sensor source, and out-of-range settings', async () => {
    const serial = '{ kind: serial, device: /dev/ttyUSB0, format: csv, fields: [ax], window: { length: 8 } }';
    const lines = await problems('      threshold: 0\n      alpha: 0\n      height: 8', serial);
    expect(lines.filter((line) => line.includes('motion'))).toEqual([
      'p.yaml:8:18: pipelines[0].motion.threshold: expected an integer between 1 and 255, received 0',
      'p.yaml:9:14: pipelines[0].motion.alpha: expected a number greater than 0 and at most 1, received 0',
      'p.yaml:10:15: pipelines[0].motion.height: expected an integer between 16 and 720, received 8',
    ]);
    const valid = await problems('      threshold: 20', serial);
    expect(valid.filter((line) => line.includes('motion'))).toEqual(['p.yaml:8:7: pipelines[0].motion: is for images; a serial source gives sensor windows']);
  });
});

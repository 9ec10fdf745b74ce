/** `motion.detect_on` and its options in the YAML: defaults, ranges, and what it is refused on, at file:line:col. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configError, placeholderModel, problemLines } from '../config/helpers.js';

const yaml = (motion: string, options: { source?: string; postprocess?: string; preprocess?: string } = {}) => `version: 1
pipelines:
  - name: p
    source: ${options.source ?? '{ kind: synthetic, width: 640, height: 480 }'}
    model: { file: ${placeholderModel} }
    postprocess: ${options.postprocess ?? '{ kind: detect-ssd }'}${options.preprocess ? `\n    preprocess: ${options.preprocess}` : ''}
    motion:
${motion}
`;

const problems = async (motion: string, options?: Parameters<typeof yaml>[1]): Promise<string[]> =>
  problemLines(await configError(() => parseConfig('/tmp/x/p.yaml', yaml(motion, options)))).map((line) => line.replace('/tmp/x/', ''));

describe('motion.detect_on config', () => {
  it('defaults to the whole frame, 4 regions and a 16-pixel margin; takes regions on a detector with raw frames', () => {
    const plain = parseConfig('/tmp/x/p.yaml', yaml('      threshold: 20')).pipelines[0]!.motion!;
    expect({ detectOn: plain.detectOn, maxRegions: plain.maxRegions, regionMargin: plain.regionMargin }).toEqual({ detectOn: 'frame', maxRegions: 4, regionMargin: 16 });
    const camera = '{ kind: camera, input: /dev/video0, output: i420 }';
    const set = parseConfig('/tmp/x/p.yaml', yaml('      detect_on: regions\n      max_regions: 8\n      region_margin: 0', { source: camera })).pipelines[0]!.motion!;
    expect({ detectOn: set.detectOn, maxRegions: set.maxRegions, regionMargin: set.regionMargin }).toEqual({ detectOn: 'regions', maxRegions: 8, regionMargin: 0 });
  });

  it('reports out-of-range options and a misspelt mode', async () => {
    expect(await problems('      detect_on: region\n      max_regions: 9\n      region_margin: -1')).toEqual([
      'p.yaml:8:18: pipelines[0].motion.detect_on: expected one of frame, regions, received "region"; did you mean "regions"?',
      'p.yaml:9:20: pipelines[0].motion.max_regions: expected an integer between 1 and 8, received 9',
      'p.yaml:10:22: pipelines[0].motion.region_margin: expected an integer between 0 and 512, received -1',
    ]);
  });

  it('refuses regions on a model that is not a detector', async () => {
    expect(await problems('      detect_on: regions', { postprocess: '{ kind: classify }' })).toEqual([
      'p.yaml:8:18: pipelines[0].motion.detect_on: regions crops the frame for a detector; postprocess classify finds no boxes to map back to the frame: use detect_on: frame, or detect-ssd or detect-yolo',
    ]);
  });

  it('refuses regions on encoded frames, which the motion stage does not judge, saying which setting gives them', async () => {
    expect(await problems('      detect_on: regions', { source: '{ kind: images, path: ./snaps }' })).toEqual([
      'p.yaml:8:18: pipelines[0].motion.detect_on: regions needs raw frames; an images source gives encoded images (JPEG, PNG), which the motion stage does not judge (every one is inferred whole): use detect_on: frame',
    ]);
    expect(await problems('      detect_on: regions', { source: '{ kind: camera, input: /dev/video0, output: mjpeg }' })).toEqual([
      "p.yaml:8:18: pipelines[0].motion.detect_on: regions needs raw frames; the camera's output mjpeg gives JPEG frames, which the motion stage does not judge (every one is inferred whole): use output: i420 or rgb24, or detect_on: frame",
    ]);
    const command = '{ kind: camera, input: cam, command: [rpicam-vid, -o, "-"], command_output: mjpeg }';
    expect(await problems('      detect_on: regions', { source: command })).toEqual([
      "p.yaml:8:18: pipelines[0].motion.detect_on: regions needs raw frames; the camera's command_output mjpeg gives JPEG frames, which the motion stage does not judge (every one is inferred whole): use command_output: i420, nv12 or rgb24, or detect_on: frame",
    ]);
    // Turned off, or on the whole frame: nothing to refuse.
    expect(() => parseConfig('/tmp/x/p.yaml', yaml('      enabled: false\n      detect_on: regions', { source: '{ kind: images, path: ./snaps }' }))).not.toThrow();
  });

  it('refuses regions with preprocess.roi (both choose what the model sees)', async () => {
    expect(await problems('      detect_on: regions', { preprocess: '{ roi: { x: 0, y: 0, width: 320, height: 240 } }' })).toEqual([
      'p.yaml:9:18: pipelines[0].motion.detect_on: regions chooses the crops the model sees, which preprocess.roi also does: remove preprocess.roi, or use detect_on: frame',
    ]);
  });
});

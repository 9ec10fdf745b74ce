/** Mistakes in sensor pipelines, each reported where it is: window vs channels, image-only settings, the window itself. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { configError, placeholderModel, problemLines } from './helpers.js';

const yaml = (source: string[], rest: string[] = ['    postprocess: { kind: scalar }']): string =>
  ['version: 1', 'pipelines:', '  - name: imu', '    source:', ...source.map((line) => `      ${line}`), `    model: { file: ${placeholderModel} }`, ...rest].join('\n');
const iio = (window: string) => ['kind: iio', 'device: lis3dh', 'channels: [accel_x, accel_y, accel_z]', 'rate_hz: 100', `window: ${window}`];
const problems = async (text: string): Promise<string[]> =>
  problemLines(await configError(() => parseConfig('/etc/edgepipe/imu.yaml', text))).map((line) => line.replace('/etc/edgepipe/imu.yaml:', ''));

describe('sensor pipeline configuration', () => {
  it('fixed normalisation needs one mean and one std per channel of the source', async () => {
    expect(await problems(yaml(iio('{ length: 128, normalize: fixed, mean: [0, 0], std: [1, 1] }')))).toEqual([
      '5:7: pipelines[0].source: window.mean has 2 values but the iio source has 3 channels; give one per channel, in channel order',
      '5:7: pipelines[0].source: window.std has 2 values but the iio source has 3 channels; give one per channel, in channel order',
    ]);
    // A serial CSV source's channels are its named columns (`_` skips one).
    const serial = ['kind: serial', 'device: /dev/ttyUSB0', 'format: csv', 'fields: [_, ax, ay]', 'window: { length: 8, normalize: fixed, mean: [0, 0], std: [1, 1] }'];
    expect(parseConfig('/etc/edgepipe/imu.yaml', yaml(serial)).pipelines[0]!.source).toMatchObject({ kind: 'serial', fields: ['_', 'ax', 'ay'] });
  });

  it('refuses image-only postprocessors and preprocessing for a sensor source', async () => {
    const text = yaml(iio('{ length: 128 }'), ['    preprocess: { rotate: 90 }', '    postprocess: { kind: detect-ssd }']);
    expect(await problems(text)).toEqual([
      '11:17: pipelines[0].preprocess: is for images; an iio source sets its normalisation and layout in source.window',
      '12:18: pipelines[0].postprocess: detect-ssd finds things in images; an iio source gives sensor windows: use classify or scalar',
    ]);
  });

  it('a hop longer than the window, and normalize: fixed without its numbers, are named with the fix', async () => {
    expect(await problems(yaml(iio('{ length: 64, hop: 100 }')))).toEqual([
      expect.stringMatching(/pipelines\[0\]\.source\.window\.hop: is 100, more than length 64: samples between windows would be skipped; use at most 64$/),
    ]);
    expect(await problems(yaml(iio('{ length: 64, normalize: fixed }')))).toEqual([
      expect.stringMatching(/pipelines\[0\]\.source\.window\.mean: is required with normalize: fixed \(one value per channel\)$/),
    ]);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAMERA_ALTERNATIVES } from '../../src/cli/suggest.js';
import { parseConfig } from '../../src/config/load.js';
import { validateModels } from '../../src/pipeline/validate.js';
import { runCli } from '../helpers/cli.js';
import { writeColourModel } from '../helpers/image-models.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-suggest-'));

describe('edgepipe inspect --suggest', () => {
  it('prints a skeleton that loads and fits its model', async () => {
    const model = writeColourModel(dir);
    const result = await runCli(['inspect', model, '--suggest']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('kind: classify');
    expect(result.stdout).toContain('# normalisation from metadata: mean 0 std 255');
    const config = parseConfig(path.join(dir, 'suggested.yaml'), result.stdout);
    expect(config.pipelines[0]!.model.file).toBe(model);
    expect(await validateModels([config])).toEqual([]);
  });

  it('says how to point it at a camera: each commented source line, put in place of the images source, loads', async () => {
    const model = writeColourModel(dir);
    const result = await runCli(['inspect', model, '--suggest']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain('cameras come with the device profiles');
    expect(result.stdout).toContain('    #   source: { kind: camera, input: /dev/video0, width: 640, height: 480, fps: 15 }   # a USB camera');
    expect(result.stdout).toContain('    #   source: { kind: camera, input: board }   # the board\'s own camera command');
    const imagesSource = /    source:\n      kind: images .*\n      path: .*\n      fps: 0\n/u;
    expect(result.stdout).toMatch(imagesSource);
    const sources = CAMERA_ALTERNATIVES.map(([line]) => {
      expect(result.stdout).toContain(`    #   ${line}   # `);
      const config = parseConfig(path.join(dir, 'camera.yaml'), result.stdout.replace(imagesSource, `    ${line}\n`));
      expect(config.pipelines[0]!.model.file).toBe(model);
      return config.pipelines[0]!.source;
    });
    expect(sources.map((s) => (s.kind === 'camera' ? s.input : s.kind))).toEqual([
      '/dev/video0', 'board', 'rtsp://192.168.1.20:554/stream1', 'lavfi:testsrc2=size=640x480:rate=15',
    ]);
  });

  it.skipIf(!hasSharedModels).each([
    ['mobilenet_v2_1.0_224_quant.tflite', 'classify'],
    ['traffic_ssd_lstm.tflite', 'detect-ssd'],
    ['movenet_single_pose_lightning_ptq.tflite', 'pose'],
    ['deeplabv3_mnv2_dm05_pascal_quant.tflite', 'segment'],
    ['mobilenet_v2_int8_nchw_1x3x224x224.tflite', 'classify'],
  ])('guesses the postprocessor of %s: %s', async (file, kind) => {
    const result = await runCli(['inspect', sharedModel(file), '--suggest']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`kind: ${kind} `);
    if (file.includes('nchw')) expect(result.stdout).toContain('layout: nchw');
    expect(() => parseConfig(path.join(dir, 'x.yaml'), result.stdout)).not.toThrow();
  });
});

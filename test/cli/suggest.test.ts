import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

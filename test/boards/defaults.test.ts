/**
 * `board` in a pipeline: the camera command and delegate order of the detected profile, from fake machine trees;
 * and a real pipeline on this machine with `delegates: [board]`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBoardDefaults } from '../../src/boards/defaults.js';
import { loadDeviceProfiles } from '../../src/boards/profiles.js';
import { defaultRuntime, parseConfig } from '../../src/config/load.js';
import type { PipelineConfig } from '../../src/config/types.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { validateModels } from '../../src/pipeline/validate.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { deviceTree, fakeRoot, PI5_FILES } from './fake-root.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-board-defaults-'));
const model = writeColourModel(dir);

function boardPipeline(extra = ''): PipelineConfig {
  const yaml = [
    'version: 1',
    'pipelines:',
    '  - name: gate',
    `    source: { kind: camera, input: board${extra} }`,
    `    model: { file: ${model}, delegates: [board, cpu] }`,
    '    postprocess: { kind: classify }',
  ].join('\n');
  return parseConfig(path.join(dir, 'gate.yaml'), yaml).pipelines[0]!;
}

describe('board defaults', () => {
  it('a Raspberry Pi 5 gets its rpicam-vid command and its delegate order', async () => {
    const pi5 = loadDeviceProfiles().find((p) => p.id === 'raspberry-pi-5')!;
    const resolved = await applyBoardDefaults(boardPipeline(), { root: fakeRoot(PI5_FILES), arch: 'arm64' });
    expect(resolved.source).toMatchObject({ kind: 'camera', input: pi5.camera.input, command: pi5.camera.command, commandOutput: 'mjpeg' });
    expect(resolved.model.delegates).toEqual([...pi5.delegates.filter((d) => d !== 'cpu'), 'cpu']);
  });

  it('a Jetson Orin Nano gets its GStreamer command; a command of the YAML file stays', async () => {
    const root = fakeRoot(deviceTree('NVIDIA Jetson Orin Nano Developer Kit', ['nvidia,p3767-0005', 'nvidia,tegra234']));
    const resolved = await applyBoardDefaults(boardPipeline(), { root, arch: 'arm64' });
    expect(resolved.source.kind === 'camera' && resolved.source.command?.[0]).toBe('gst-launch-1.0');
    const own = await applyBoardDefaults(boardPipeline(', command: [my-camera], command_output: mjpeg'), { root, arch: 'arm64' });
    expect(own.source).toMatchObject({ command: ['my-camera'], input: 'csi-camera-0' });
  });

  it('a machine without a profile is refused with a pointer to probe', async () => {
    await expect(applyBoardDefaults(boardPipeline(), { root: fakeRoot(), arch: 'riscv64' })).rejects.toThrow(
      'source.input is "board" but this machine matches no device profile (edgepipe probe shows why)',
    );
  });

  it('a pipeline without `board` is returned as it is, without detection', async () => {
    const config = pipelineConfig('plain', { model: { file: model } });
    expect(await applyBoardDefaults(config, { root: '/nonexistent' })).toBe(config);
  });

  it('on this machine, delegates [board] run the model on the profile\'s first delegate that works', async () => {
    const predictions: Prediction[] = [];
    const pipeline = new Pipeline(
      pipelineConfig('here', { model: { file: model, delegates: ['board', 'cpu'] }, source: { kind: 'synthetic', width: 32, height: 32, fps: 0, pattern: 'colours', frames: 3 } }),
      { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (name) => [callbackSink(name, (p) => predictions.push(p))] },
    );
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    // The generic x86_64/arm64 profiles list edgetpu (absent here, refused) before xnnpack.
    expect(predictions.map((p) => p.delegate)).toEqual(['xnnpack', 'xnnpack', 'xnnpack']);
  });

  it('validate accepts delegates [board] on this machine', async () => {
    const yaml = ['version: 1', 'pipelines:', '  - name: v', '    source: { kind: synthetic }', `    model: { file: ${model}, delegates: [board] }`, '    postprocess: { kind: classify }'].join('\n');
    expect(await validateModels([parseConfig(path.join(dir, 'v.yaml'), yaml)])).toEqual([]);
  });
});

/** edgepipe validate as a user runs it: every problem of every kind in one pass, each at its position. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeColourModel } from '../helpers/image-models.js';
import { writeModel } from '../../src/tflite/writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-validate-'));
const model = writeColourModel(dir);

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The problem lines of a failed validate (between the count line and the docs pointer). */
function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(dir));
}

describe('edgepipe validate reports every problem in one pass', () => {
  it('a schema problem does not hide a missing model file or a misspelt delegate', async () => {
    const file = write('three.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: synthetic, width: -5 }',
      '    model: { file: ./missing.tflite, delegates: [xnnpak] }',
      '    postprocess: { kind: classify }',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(problemLines(result.stderr)).toEqual([
      `${file}:4:39: pipelines[0].source.width: expected an integer between 1 and 8192, received -5`,
      `${file}:5:20: pipelines[0].model.file: file not found: ${path.join(dir, 'missing.tflite')}`,
      `${file}:5:50: pipelines[0].model.delegates[0]: unknown delegate "xnnpak"; did you mean "xnnpack"? (known: armnn, cpu, edgetpu, gpu, qnn, vx, xnnpack)`,
    ]);
    expect(result.stderr).toContain('edgepipe validate: 3 problems in the configuration:');
  });

  it('mean without std does not hide a delegate typo, nor the model checks of the other pipelines', async () => {
    const file = write('mean.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: synthetic }',
      `    model: { file: "${model}", delegates: [edgtpu] }`,
      '    preprocess: { mean: [127.5] }',
      '    postprocess: { kind: classify }',
      '  - name: gate',
      '    source: { kind: synthetic }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: detect-ssd }',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    const lines = problemLines(result.stderr);
    expect(lines.slice(0, 2)).toEqual([
      `${file}:5:${model.length + 36}: pipelines[0].model.delegates[0]: unknown delegate "edgtpu"; did you mean "edgetpu"? (known: armnn, cpu, edgetpu, gpu, qnn, vx, xnnpack)`,
      `${file}:6:25: pipelines[0].preprocess.mean: is given without std; give both or neither`,
    ]);
    // At the field, with the kind the outputs look like.
    expect(lines[2]).toMatch(new RegExp(`^${file}:11:26: pipeline gate: postprocess\\.kind: detect-ssd needs the four TFLite_Detection_PostProcess outputs`));
    expect(lines[2]).toContain('; the outputs look like classify (output "probability" int8 [1,4]: one score per class): kind: classify');
    expect(lines).toHaveLength(3);
  });
});

describe('edgepipe validate checks what run would trip over', () => {
  it('an images source whose path does not exist: validate reports it at the path, run exits 2 at once', async () => {
    const file = write('frames.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: images, path: ./no-frames }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: classify }',
    ]);
    const expected = `${file}:4:35: pipelines[0].source.path: file or folder not found: ${path.join(dir, 'no-frames')}`;
    const validated = await runCli(['validate', file]);
    expect(validated.code).toBe(2);
    expect(problemLines(validated.stderr)).toEqual([expected]);
    const run = await runCli(['run', file]);
    expect(run.code).toBe(2);
    expect(problemLines(run.stderr)).toEqual([expected]);
    expect(run.stderr).not.toContain('retrying');
  });

  it('a glob whose folder does not exist is reported; one that matches nothing yet in an existing folder is not', async () => {
    const file = write('glob.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: images, path: "./gone/*.jpg" }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: classify }',
    ]);
    const validated = await runCli(['validate', file]);
    expect(problemLines(validated.stderr)).toEqual([`${file}:4:35: pipelines[0].source.path: folder not found: ${path.join(dir, 'gone')}`]);
  });

  it('a camera device that does not exist is a warning only: it may be plugged in later', async () => {
    const file = write('camera.yaml', [
      'version: 1',
      'pipelines:',
      '  - name: door',
      '    source: { kind: camera, input: /dev/video-edgepipe-test }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: classify }',
    ]);
    const result = await runCli(['validate', file]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      `warning: ${file}:4:36: pipelines[0].source.input: the camera device /dev/video-edgepipe-test does not exist now; the pipeline retries until it appears (is the camera plugged in?)`,
    ]);
    expect(result.stdout).toContain('ok: 1 pipeline(s) in 1 file(s)');
  });
});

/** A uint8 [1,4,4,3] input of raw pixels (scale 1, zero point 0), as MoveNet takes it, reshaped to [1,48]. */
function writeRawPixelModel(quantised: boolean): string {
  const raw = quantised ? { quantization: { scale: [1], zeroPoint: [0] } } : {};
  const bytes = writeModel({
    tensors: [
      { name: 'pixels', type: 'uint8', shape: [1, 4, 4, 3], ...raw },
      { name: 'flat', type: 'uint8', shape: [1, 48], ...raw },
    ],
    operators: [{ op: 'RESHAPE', inputs: ['pixels'], outputs: ['flat'], options: { newShape: [1, 48] } }],
    inputs: ['pixels'],
    outputs: ['flat'],
  });
  const file = path.join(dir, `raw-pixels-${quantised}.tflite`);
  writeFileSync(file, bytes);
  return file;
}

describe('edgepipe validate: normalisation against the input quantisation', () => {
  const rawModel = writeRawPixelModel(true);
  const pipeline = (name: string, preprocess: string, model = rawModel): string =>
    write(`${name}.yaml`, [
      'version: 1',
      'pipelines:',
      `  - name: ${name}`,
      '    source: { kind: synthetic }',
      `    model: { file: "${model}" }`,
      `    preprocess: ${preprocess}`,
      '    postprocess: { kind: classify }',
    ]);

  it('mean/std for a uint8 input that takes raw pixels is reported', async () => {
    const file = pipeline('raw', '{ mean: [127.5], std: [127.5] }');
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(problemLines(result.stderr)).toEqual([
      `${file}:6:25: pipeline raw: preprocess.mean: (pixel - mean) / std gives values in [-1, 1] but the model's uint8 input "pixels" (scale 1, zero point 0) takes values in [0, 255]: it takes raw pixels 0-255 and normalises them itself; remove mean and std`,
    ]);
  });

  it('so is mean/std for a uint8 input without quantisation (MoveNet casts the pixels itself)', async () => {
    const file = pipeline('cast', '{ mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] }', writeRawPixelModel(false));
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(problemLines(result.stderr)).toEqual([
      `${file}:6:25: pipeline cast: preprocess.mean: (pixel - mean) / std gives values in [-1, 1] but the model's uint8 input "pixels" (not quantised) takes values in [0, 255]: it takes raw pixels 0-255 and normalises them itself; remove mean and std`,
    ]);
  });

  it('the same model without mean/std validates', async () => {
    const file = pipeline('plain', '{ resize: fill }');
    const result = await runCli(['validate', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

/** A recurrent stand-in: frame uint8 [1,4,4,3] -> [1,48], and a state input passed through to its output. */
function writeStatefulModel(): string {
  const raw = { quantization: { scale: [1], zeroPoint: [0] } };
  const bytes = writeModel({
    tensors: [
      { name: 'pixels', type: 'uint8', shape: [1, 4, 4, 3], ...raw },
      { name: 'raw_inputs/init_lstm_c', type: 'uint8', shape: [1, 2, 2, 5], ...raw },
      { name: 'flat', type: 'uint8', shape: [1, 48], ...raw },
      { name: 'raw_outputs/lstm_c', type: 'uint8', shape: [1, 2, 2, 5], ...raw },
    ],
    operators: [
      { op: 'RESHAPE', inputs: ['pixels'], outputs: ['flat'], options: { newShape: [1, 48] } },
      { op: 'RESHAPE', inputs: ['raw_inputs/init_lstm_c'], outputs: ['raw_outputs/lstm_c'], options: { newShape: [1, 2, 2, 5] } },
    ],
    inputs: ['pixels', 'raw_inputs/init_lstm_c'],
    outputs: ['flat', 'raw_outputs/lstm_c'],
  });
  const file = path.join(dir, 'stateful.tflite');
  writeFileSync(file, bytes);
  return file;
}

describe('edgepipe validate: model inputs that nothing feeds', () => {
  const stateful = writeStatefulModel();
  const pipeline = (name: string, state: string[]): string =>
    write(`${name}.yaml`, [
      'version: 1',
      'pipelines:',
      `  - name: ${name}`,
      '    source: { kind: synthetic }',
      '    model:',
      `      file: "${stateful}"`,
      ...state,
      '    postprocess: { kind: classify }',
    ]);

  it('a state input without model.state is reported, with the link to write', async () => {
    const file = pipeline('unfed', []);
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(problemLines(result.stderr)).toEqual([
      `${file}:5:5: pipeline unfed: model.state: input "raw_inputs/init_lstm_c" uint8 [1,2,2,5] is fed by nothing (frames feed only the first input); add to model: state: [{ output: "raw_outputs/lstm_c", input: "raw_inputs/init_lstm_c" }]`,
    ]);
  });

  it('with the link it validates', async () => {
    const file = pipeline('fed', ['      state: [{ output: raw_outputs/lstm_c, input: raw_inputs/init_lstm_c }]']);
    const result = await runCli(['validate', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('inspect --suggest writes the state links, and its skeleton validates', async () => {
    const suggested = await runCli(['inspect', stateful, '--suggest']);
    expect(suggested.code, suggested.stderr).toBe(0);
    expect(suggested.stdout).toContain('        - { output: "raw_outputs/lstm_c", input: "raw_inputs/init_lstm_c" }\n');
    const file = path.join(dir, 'suggested.yaml');
    writeFileSync(file, suggested.stdout.replace('path: ./frames', `path: "${dir}"`).replace(/delegates: \[xnnpack, cpu\]/, 'delegates: [cpu]'));
    const result = await runCli(['validate', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

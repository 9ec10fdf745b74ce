/**
 * The YAML of finite inputs: audio `input` (resolved against the YAML file, checked at validate time), `loop`,
 * `realtime` and `finite`, and the combinations refused with file:line:col, the field and why.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFiles, parseConfig } from '../../src/config/load.js';
import { configError, placeholderModel, problemLines, tempDir } from '../config/helpers.js';

const file = '/etc/edgepipe/pipelines/finite.yaml';
const yaml = (source: string): string =>
  `version: 1\npipelines:\n  - name: p\n    source: ${source}\n    model: { file: ${JSON.stringify(placeholderModel)} }\n    postprocess: { kind: classify }\n`;
const load = (source: string) => parseConfig(file, yaml(source)).pipelines[0]!.source;
const problems = async (source: string): Promise<string[]> => problemLines(await configError(() => parseConfig(file, yaml(source))));
/** `file:4:col: pipelines[0].source.FIELD: message`, the column that of FIELD's value in `source`. */
const at = (source: string, field: string, message: string): string =>
  `${file}:4:${13 + source.indexOf(`${field}: `) + field.length + 2}: pipelines[0].source.${field}: ${message}`;

describe('audio input, loop, realtime and finite', () => {
  it('input is a file relative to the YAML file; loop and realtime default to false; device has no default in the config', () => {
    expect(load('{ kind: audio, input: sounds/bell.flac, window: { length: 4 } }')).toMatchObject({
      input: '/etc/edgepipe/pipelines/sounds/bell.flac',
      loop: false,
      realtime: false,
      finite: false,
    });
    expect(load('{ kind: audio, window: { length: 4 } }')).not.toHaveProperty('device');
    expect(load('{ kind: audio, command: [ffmpeg], finite: true, loop: true, window: { length: 4 } }')).toMatchObject({ finite: true, loop: true });
  });

  it('refuses combinations that cannot mean anything, naming the field and where it is', async () => {
    const cases: Array<[string, string, string]> = [
      ['{ kind: audio, device: hw:1, input: a.wav, window: { length: 4 } }', 'input', 'is given with device; give one of them (input is a file, device a microphone)'],
      ['{ kind: audio, input: a.wav, command: [ffmpeg], window: { length: 4 } }', 'input', 'is given with command; give one of them (ffmpeg reads input itself)'],
      ['{ kind: audio, input: a.wav, finite: true, window: { length: 4 } }', 'finite', 'is only used with command: an input file ends by itself'],
      ['{ kind: audio, finite: true, window: { length: 4 } }', 'finite', 'is only used with command'],
      ['{ kind: audio, command: [ffmpeg], loop: true, window: { length: 4 } }', 'loop', 'with command needs finite: true (a command that is not finite is restarted whenever it exits)'],
      ['{ kind: audio, device: hw:1, loop: true, window: { length: 4 } }', 'loop', 'is only used with input or a finite command'],
      ['{ kind: audio, command: [ffmpeg], finite: true, realtime: true, window: { length: 4 } }', 'realtime', 'is only used with input (a device or command delivers at its own pace)'],
    ];
    for (const [source, field, message] of cases) expect(await problems(source), source).toEqual([at(source, field, message)]);
  });
});

describe('camera finite', () => {
  it('a command with finite (and loop) loads; finite defaults to false', () => {
    expect(load('{ kind: camera, input: /dev/video0 }')).toMatchObject({ finite: false });
    const source = '{ kind: camera, input: clip, command: [ffmpeg], command_output: mjpeg, finite: true, loop: true }';
    expect(load(source)).toMatchObject({ finite: true, loop: true });
  });

  it('refuses finite without command, and loop on a command that is not finite', async () => {
    const cases: Array<[string, string, string]> = [
      ['{ kind: camera, input: /srv/clip.mp4, finite: true }', 'finite', 'is only used with command: a video file in input ends by itself'],
      ['{ kind: camera, input: cam, command: [rpicam-vid], command_output: mjpeg, loop: true }', 'loop', 'with command needs finite: true (a command that is not finite is restarted whenever it exits)'],
    ];
    for (const [source, field, message] of cases) expect(await problems(source), source).toEqual([at(source, field, message)]);
  });
});

describe('validate: the files finite inputs read must exist', () => {
  it('an audio input and a camera video file that do not exist are reported at their lines, with everything else', async () => {
    const dir = tempDir();
    const text = `version: 1
pipelines:
  - name: bell
    source: { kind: audio, input: ./sounds/bell.wav, window: { length: 4 } }
    model: { file: ${JSON.stringify(placeholderModel)} }
    postprocess: { kind: classify }
  - name: clip
    source: { kind: camera, input: ${dir}/clip.mp4 }
    model: { file: ./none.tflite }
    postprocess: { kind: classify }
`;
    const yamlFile = path.join(dir, 'finite.yaml');
    writeFileSync(yamlFile, text);
    const col = (line: number, needle: string): number => text.split('\n')[line - 1]!.indexOf(needle) + 1;
    const error = await configError(() => loadConfigFiles([yamlFile]));
    expect(problemLines(error)).toEqual([
      `${yamlFile}:4:${col(4, './sounds')}: pipelines[0].source.input: file not found: ${dir}/sounds/bell.wav`,
      `${yamlFile}:8:${col(8, dir)}: pipelines[1].source.input: file not found: ${dir}/clip.mp4`,
      `${yamlFile}:9:${col(9, './none')}: pipelines[1].model.file: file not found: ${dir}/none.tflite`,
    ]);
    mkdirSync(path.join(dir, 'sounds'));
    writeFileSync(path.join(dir, 'sounds/bell.wav'), 'RIFF');
    writeFileSync(path.join(dir, 'clip.mp4'), '');
    writeFileSync(yamlFile, text.replace('./none.tflite', JSON.stringify(placeholderModel)));
    const [config] = await loadConfigFiles([yamlFile]);
    expect(config!.pipelines.map((p) => p.source)).toMatchObject([{ input: `${dir}/sounds/bell.wav` }, { input: `${dir}/clip.mp4` }]);
  });
});

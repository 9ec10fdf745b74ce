/** The `camera` source block in YAML: defaults, the cross-field rules, and the factory. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { createSource } from '../../src/sources/index.js';
import { CameraSource } from '../../src/sources/camera-source.js';
import { configError, problemLines } from '../config/helpers.js';

const file = '/etc/edgepipe/pipelines/cam.yaml';
const yaml = (source: string): string =>
  `version: 1\npipelines:\n  - name: cam\n    source: ${source}\n    model: { file: m.tflite }\n    postprocess: { kind: classify }\n`;
const load = (source: string) => parseConfig(file, yaml(source)).pipelines[0]!.source;
const problems = async (source: string): Promise<string[]> => problemLines(await configError(() => parseConfig(file, yaml(source))));

describe('camera source configuration', () => {
  it('fills the defaults: rgb24 at the input size and rate, tcp, 30 s to the first frame, 5 s stall timeout, 0.5-30 s backoff, full frames', () => {
    expect(load('{ kind: camera, input: /dev/video0 }')).toEqual({
      kind: 'camera',
      input: '/dev/video0',
      realtime: false,
      output: 'rgb24',
      rtspTransport: 'tcp',
      ioTimeoutMs: 10000,
      loop: false,
      stallTimeoutMs: 5000,
      startTimeoutMs: 30000,
      restart: { initialMs: 500, maxMs: 30000 },
      finite: false,
      decoderResize: false,
    });
  });

  it('takes every field in snake_case', () => {
    const source = load(
      '{ kind: camera, input: lavfi:testsrc2, input_format: yuyv422, width: 64, height: 48, fps: 7.5, realtime: true, output: i420, ' +
        'rtsp_transport: udp, loop: true, stall_timeout_ms: 100, start_timeout_ms: 2000, restart: { initial_ms: 1, max_ms: 2 } }',
    );
    expect(source).toMatchObject({ inputFormat: 'yuyv422', width: 64, height: 48, fps: 7.5, output: 'i420', rtspTransport: 'udp', stallTimeoutMs: 100, startTimeoutMs: 2000 });
    const command = load('{ kind: camera, input: pi-cam, command: [rpicam-vid, -o, "-"], command_output: nv12, width: 640, height: 480 }');
    expect(command).toMatchObject({ command: ['rpicam-vid', '-o', '-'], commandOutput: 'nv12', width: 640, height: 480 });
  });

  it('refuses what cannot work, naming the field and where it is', async () => {
    const at = (col: number, field: string, message: string): string => `${file}:4:${col}: pipelines[0].source.${field}: ${message}`;
    const cases: Array<[string, string]> = [
      ['{ kind: camera, input: clips/a.mp4 }', at(36, 'input', 'a video file must be an absolute path (it is not resolved against this file), or give a device or URL')],
      ['{ kind: camera, input: /dev/video0, width: 640 }', at(56, 'width', 'is given without height; give both or neither')],
      ['{ kind: camera, input: /dev/video0, width: 33, height: 20, output: i420 }', at(80, 'output', 'i420 needs an even width and height')],
      ['{ kind: camera, input: x, command: [gst-launch-1.0] }', at(5, 'command_output', 'is required with command: say what the command writes')],
      ['{ kind: camera, input: x, command: [gst-launch-1.0], command_output: rgb24 }', at(82, 'command_output', 'rgb24 frames need width and height (the size the command writes)')],
      ['{ kind: camera, input: /dev/video0, restart: { initial_ms: 900, max_ms: 100 } }', at(58, 'restart', 'max_ms must be at least initial_ms')],
      ['{ kind: camera, input: /dev/video0, start_timeout_ms: 50 }', at(67, 'start_timeout_ms', 'expected an integer between 100 and 600000, received 50')],
      ['{ kind: camera, input: /dev/video0, start_timeout_ms: 30s }', at(67, 'start_timeout_ms', 'expected an integer between 100 and 600000, received "30s"')],
    ];
    for (const [source, line] of cases) expect(await problems(source)).toEqual([line]);
  });

  it('createSource makes a CameraSource named after the pipeline, idle until subscribed', () => {
    const source = createSource('door', load('{ kind: camera, input: /dev/video0 }'));
    expect(source).toBeInstanceOf(CameraSource);
    expect(source.name).toBe('door/camera');
    expect((source as CameraSource).state).toBe('ended');
    expect((source as CameraSource).pid).toBeUndefined();
  });
});

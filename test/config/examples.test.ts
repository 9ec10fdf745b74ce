/** The valid examples load (with every check on disk), and the effective-config dump loads back to the same config. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleConfig } from '../../src/config/docs.js';
import { redactedConfigDump } from '../../src/config/dump.js';
import { loadConfigFiles, parseConfig } from '../../src/config/load.js';
import type { ConfigFile } from '../../src/config/types.js';
import { validDir } from './helpers.js';

const withoutOrigins = (config: ConfigFile) => ({ ...config, pipelines: config.pipelines.map(({ origin: _origin, ...rest }) => rest) });
const names = readdirSync(validDir).sort();

describe('valid examples', () => {
  it('all load together', async () => {
    const configs = await loadConfigFiles([validDir]);
    expect(configs.map((c) => path.basename(c.file))).toEqual(names);
    expect(configs.flatMap((c) => c.pipelines.map((p) => p.name))).toEqual(['yard_detect', 'ssd', 'pose', 'segment', 'vibration', 'front-door', 'minimal']);
  });

  it.each(names)('%s round-trips through the config dump', async (name) => {
    const file = path.join(validDir, name);
    const [config] = await loadConfigFiles([file]);
    const dump = redactedConfigDump(config!);
    const again = parseConfig(file, dump.split('\n').slice(1).join('\n'));
    expect(withoutOrigins(again)).toEqual(withoutOrigins(config!));
    expect(redactedConfigDump(again)).toBe(dump);
    expect(readFileSync(file, 'utf8')).not.toBe(dump);
  });

  it('the dump is the file format: snake_case, every default written out', async () => {
    const [config] = await loadConfigFiles([path.join(validDir, 'minimal.yaml')]);
    const model = path.join(validDir, '../models/placeholder.tflite');
    expect(redactedConfigDump(config!)).toBe(`# Effective configuration of ${path.join(validDir, 'minimal.yaml')}: defaults filled in, paths absolute.
version: 1
runtime:
  delegate_dirs: []
  thermal:
    throttle_max_fps: 1
    hysteresis_c: 5
    interval_s: 5
    root: /
pipelines:
  - name: minimal
    source:
      kind: synthetic
      width: 640
      height: 480
      fps: 10
      pattern: colours
      frames: 0
    model:
      file: ${model}
      label_offset: 0
      delegates:
        - xnnpack
        - cpu
      threads: 1
      pool: 1
      optimize: off
      health:
        failures: 3
        timeout_ms: 5000
        reprobe_s: 300
      state: []
    preprocess:
      resize: fill
      pad_colour:
        - 0
        - 0
        - 0
      rotate: 0
      flip: none
    postprocess:
      kind: classify
      top_k: 5
      threshold: 0
    buffer:
      policy: latest
      size: 1
    every: 1
    max_fps: 0
    stats_interval_s: 10
    sinks:
      - kind: stdout
`);
  });

  it('the example of docs/configuration.md is valid', () => {
    const config = parseConfig('/etc/edgepipe/front.yaml', exampleConfig);
    expect(config.pipelines[0]).toMatchObject({
      name: 'front-door',
      source: { kind: 'images', path: '/etc/edgepipe/frames', loop: true, fps: 5, watch: false },
      model: { file: '/etc/edgepipe/models/mobilenet.tflite', delegates: ['edgetpu', 'xnnpack', 'cpu'], threads: 1 },
      preprocess: { resize: 'contain', padColour: [0, 0, 0], rotate: 90 },
      postprocess: { kind: 'classify', topK: 3, threshold: 0.2 },
    });
  });
});

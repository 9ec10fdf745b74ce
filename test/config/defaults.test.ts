/** Defaults: what a pipeline with only its required fields turns into, and the defaults of every kind. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { PipelineConfig } from '../../src/config/types.js';

const file = '/etc/edgepipe/pipelines/door.yaml';
const load = (pipelineYaml: string) =>
  parseConfig(file, `version: 1\npipelines:\n  - name: door\n${pipelineYaml.replace(/^/gm, '    ')}\n`).pipelines[0]!;
const minimal = 'source: { kind: synthetic }\nmodel: { file: m.tflite }';

describe('defaults', () => {
  it('fill a minimal pipeline completely', () => {
    const config = parseConfig(file, `version: 1\npipelines:\n  - name: door\n    source: { kind: synthetic }\n    model: { file: m.tflite }\n    postprocess: { kind: classify }\n`);
    expect(config.runtime).toEqual({ delegateDirs: [], thermal: { throttleMaxFps: 1, hysteresisC: 5, intervalS: 5, root: '/' } });
    expect(config.secretPaths).toEqual([]);
    expect(config.file).toBe(file);
    const expected: PipelineConfig = {
      name: 'door',
      origin: `${file}:3:5`,
      source: { kind: 'synthetic', width: 640, height: 480, fps: 10, pattern: 'colours', frames: 0 },
      model: {
        file: '/etc/edgepipe/pipelines/m.tflite',
        labelOffset: 0,
        delegates: ['xnnpack', 'cpu'],
        threads: 1,
        pool: 1,
        optimize: 'off',
        health: { failures: 3, timeoutMs: 5000, reprobeS: 300 },
        state: [],
      },
      preprocess: { resize: 'fill', padColour: [0, 0, 0], rotate: 0, flip: 'none' },
      postprocess: { kind: 'classify', topK: 5, threshold: 0 },
      buffer: { policy: 'latest', size: 1 },
      every: 1,
      maxFps: 0,
      statsIntervalS: 10,
      sinks: [{ kind: 'stdout' }],
    };
    expect(config.pipelines).toEqual([expected]);
  });

  it('of every postprocess kind', () => {
    const post = (yaml: string) => load(`${minimal}\npostprocess: ${yaml}`).postprocess;
    expect(post('{ kind: detect-ssd }')).toEqual({ kind: 'detect-ssd', threshold: 0.5, maxDetections: 25, classes: [] });
    expect(post('{ kind: detect-yolo }')).toEqual({
      kind: 'detect-yolo',
      threshold: 0.25,
      iou: 0.45,
      maxDetections: 100,
      classes: [],
      objectness: true,
      coordinates: 'normalized',
    });
    expect(post('{ kind: pose }')).toEqual({ kind: 'pose', threshold: 0.3 });
    expect(post('{ kind: segment }')).toEqual({ kind: 'segment', minFraction: 0.01, keepMasks: 1000 });
    expect(post('{ kind: scalar }')).toEqual({ kind: 'scalar' });
  });

  it('of the images source and the file sink', () => {
    const pipeline = load('source: { kind: images, path: frames }\nmodel: { file: m.tflite }\npostprocess: { kind: pose }\nsinks: [{ kind: file, path: out.jsonl }]');
    expect(pipeline.source).toEqual({ kind: 'images', path: '/etc/edgepipe/pipelines/frames', loop: false, fps: 0, watch: false });
    expect(pipeline.sinks).toEqual([{ kind: 'file', path: '/etc/edgepipe/pipelines/out.jsonl', maxBytes: 10485760, keep: 5 }]);
  });

  it('buffer size follows the policy: 1 for latest, 8 for queue', () => {
    expect(load(`${minimal}\npostprocess: { kind: pose }\nbuffer: { policy: queue }`).buffer).toEqual({ policy: 'queue', size: 8 });
    expect(load(`${minimal}\npostprocess: { kind: pose }\nbuffer: { policy: queue, size: 2 }`).buffer).toEqual({ policy: 'queue', size: 2 });
    expect(load(`${minimal}\npostprocess: { kind: pose }\nbuffer: { size: 1 }`).buffer).toEqual({ policy: 'latest', size: 1 });
  });

  it('cpu is appended to a delegate chain without it; threads take auto', () => {
    const model = (yaml: string) => load(`source: { kind: synthetic }\nmodel: ${yaml}\npostprocess: { kind: pose }`).model;
    expect(model('{ file: m.tflite, delegates: [edgetpu] }').delegates).toEqual(['edgetpu', 'cpu']);
    expect(model('{ file: m.tflite, delegates: [edgetpu, cpu] }').delegates).toEqual(['edgetpu', 'cpu']);
    expect(model('{ file: m.tflite, delegates: [cpu] }').delegates).toEqual(['cpu']);
    expect(model('{ file: m.tflite, threads: auto }').threads).toBe('auto');
  });

  it('class lists take names and indices, indices kept as written', () => {
    expect(load(`${minimal}\npostprocess: { kind: detect-ssd, classes: [person, 0, 17] }`).postprocess).toMatchObject({ classes: ['person', '0', '17'] });
  });

  it('the result is deeply frozen, with fields in schema order', () => {
    const config = parseConfig(file, `version: 1\npipelines:\n  - postprocess: { kind: classify }\n    model: { threads: 2, file: m.tflite }\n    source: { kind: synthetic }\n    name: door\n`);
    const pipeline = config.pipelines[0]!;
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(pipeline.model.delegates)).toBe(true);
    expect(() => {
      (pipeline.model as { threads: number | 'auto' }).threads = 4;
    }).toThrow(TypeError);
    expect(Object.keys(pipeline).slice(0, 4)).toEqual(['name', 'source', 'model', 'preprocess']);
    expect(Object.keys(pipeline.model).slice(0, 2)).toEqual(['file', 'labelOffset']);
  });

  it('a relative YAML name resolves against the current folder', () => {
    const config = parseConfig('conf/door.yaml', `version: 1\npipelines:\n  - name: door\n    ${minimal.replace('\n', '\n    ')}\n    postprocess: { kind: pose }\n`);
    expect(config.file).toBe(path.resolve('conf/door.yaml'));
    expect(config.pipelines[0]!.model.file).toBe(path.resolve('conf/m.tflite'));
    expect(config.pipelines[0]!.origin).toBe('conf/door.yaml:3:5');
  });
});

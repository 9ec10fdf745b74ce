/** PipelineConfig objects for engine tests, with the schema's defaults spelled out (the YAML loader is tested separately). */
import type { PipelineConfig } from '../../src/config/types.js';

export type PipelineOverrides = Partial<Omit<PipelineConfig, 'model'>> & { model?: Partial<PipelineConfig['model']> & { file: string } };

export function pipelineConfig(name: string, overrides: PipelineOverrides): PipelineConfig {
  const { model, ...rest } = overrides;
  return {
    name,
    origin: `test:${name}`,
    source: { kind: 'synthetic', width: 64, height: 48, fps: 0, pattern: 'colours', frames: 10 },
    preprocess: { resize: 'fill', padColour: [0, 0, 0], rotate: 0, flip: 'none' },
    postprocess: { kind: 'classify', topK: 1, threshold: 0 },
    buffer: { policy: 'queue', size: 4 },
    every: 1,
    maxFps: 0,
    statsIntervalS: 0,
    sinks: [],
    ...rest,
    model: {
      file: model?.file ?? '',
      labelOffset: 0,
      delegates: ['xnnpack', 'cpu'],
      threads: 1,
      pool: 1,
      optimize: 'off',
      health: { failures: 3, timeoutMs: 5000, reprobeS: 0 },
      state: [],
      ...model,
    },
  };
}

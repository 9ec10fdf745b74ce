/** A real colour-classifier pipeline on an endless synthetic source, with its predictions collected in order. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultRuntime } from '../../src/config/load.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline, type PipelineContext } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';

const model = writeColourModel(mkdtempSync(path.join(tmpdir(), 'edgepipe-commands-')));

export interface RunningPipeline {
  pipeline: Pipeline;
  predictions: Prediction[];
}

/** Starts `name` at `fps` frames/s (never ending); extra context (requestReload) is passed through. */
export async function startPipeline(name: string, fps = 100, extra: Partial<PipelineContext> = {}): Promise<RunningPipeline> {
  const predictions: Prediction[] = [];
  const pipeline = new Pipeline(
    pipelineConfig(name, {
      model: { file: model },
      source: { kind: 'synthetic', width: 64, height: 48, fps, pattern: 'colours', frames: 0 },
      postprocess: { kind: 'classify', topK: 1, threshold: 0 },
      buffer: { policy: 'latest', size: 1 },
    }),
    { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))], ...extra },
  );
  await pipeline.start();
  return { pipeline, predictions };
}

/** Waits (polling every 10 ms, at most `timeoutMs`) until `condition` holds; throws naming `what` otherwise. */
export async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Running a YAML pipeline to the end with a recording sink: predictions and stage events, in order. */
import type { CountsSnapshot, TrackEvent } from '../../src/core/events.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { parseConfig } from '../../src/config/load.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';

export interface Run {
  pipeline: Pipeline;
  predictions: Prediction[];
  events: TrackEvent[];
  /** Each zone and line count snapshot the stages sent, in order. */
  counts: CountsSnapshot[];
}

/** Parses `yaml` (one pipeline, no sinks of its own besides `sinks:` given), runs it until its source ends and stops it. */
export async function runYaml(file: string, yaml: string): Promise<Run> {
  const config = parseConfig(file, yaml);
  const predictions: Prediction[] = [];
  const events: TrackEvent[] = [];
  const counts: CountsSnapshot[] = [];
  const pipeline = new Pipeline(config.pipelines[0]!, {
    runtime: config.runtime,
    logger: memoryLogger(),
    extraSinks: (p) => [{
      ...callbackSink(p, (x) => predictions.push(x)),
      event: (e: TrackEvent) => void events.push(e),
      zoneCounts: (snapshot: CountsSnapshot) => void counts.push(structuredClone(snapshot)),
    }],
  });
  await pipeline.start();
  try {
    await pipeline.finished;
  } finally {
    await pipeline.stop();
  }
  return { pipeline, predictions, events, counts };
}

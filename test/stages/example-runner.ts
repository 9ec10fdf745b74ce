/**
 * Runs a shipped example pipeline (pipelines/*.yaml) to the end of its video, as `edgepipe run` would with
 * EDGEPIPE_MODELS at the shared models: its own sinks replaced by a recorder of predictions, events and the zone
 * counts, `loop` off so the source ends with the file, and the `input` swapped when a test gives another video.
 * The buffer queue is deeper (64 frames, ~32 MB of 768x432 i420): on a loaded shared host the detector can take
 * ~1 s a frame for a while (measured with several video tests at once), and a queue of 16 then drops the frames
 * of a whole car or visitor; frames are timed at capture, so a deeper queue delays the results without changing them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CountsSnapshot, TrackEvent } from '../../src/core/events.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { parseConfig } from '../../src/config/load.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { projectRoot, sharedModelsDir } from '../helpers/shared-models.js';

export interface ExampleRun {
  pipeline: Pipeline;
  predictions: Prediction[];
  events: TrackEvent[];
  /** The latest zone and line counts the sinks were given. */
  counts: CountsSnapshot | undefined;
}

export async function runExample(name: string, options: { input?: string } = {}): Promise<ExampleRun> {
  const file = path.join(projectRoot, 'pipelines', name);
  const config = parseConfig(file, readFileSync(file, 'utf8'), { env: { ...process.env, EDGEPIPE_MODELS: sharedModelsDir } });
  const example = config.pipelines[0]!;
  if (example.source.kind !== 'camera') throw new Error(`${name}: expected a camera source, got ${example.source.kind}`);
  const source = { ...example.source, loop: false, ...(options.input ? { input: options.input } : {}) };
  const predictions: Prediction[] = [];
  const events: TrackEvent[] = [];
  let counts: CountsSnapshot | undefined;
  const pipeline = new Pipeline({ ...example, source, buffer: { policy: 'queue', size: 64 }, sinks: [] }, {
    runtime: config.runtime,
    logger: memoryLogger(),
    extraSinks: (p) => [{
      ...callbackSink(p, (x) => predictions.push(x)),
      event: (e: TrackEvent) => void events.push(e),
      zoneCounts: (snapshot: CountsSnapshot) => void (counts = structuredClone(snapshot)),
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

/** `#3 person 7.2-18.8 s` for logs and assertion messages, times from the first prediction. */
export function describeEvents(events: readonly TrackEvent[], t0: number): string {
  return events
    .map((e) => {
      const where = 'zone' in e ? ` ${e.zone}` : 'line' in e ? ` ${e.line} ${e.direction}` : '';
      return `${e.type}#${e.trackId} ${e.label}${where} ${((e.atMs - t0) / 1000).toFixed(1)} s`;
    })
    .join(', ');
}

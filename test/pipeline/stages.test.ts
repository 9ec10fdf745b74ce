/**
 * Stages (src/stages/types.ts) in a real pipeline: synthetic frames, the colour model through real TFLite, a
 * callback sink. Gates skip inference with counted reasons, result stages add analytics fields and emit events,
 * failures in either are contained, and a pipeline without stages reports exactly what it did before.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../src/core/events.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { defaultRuntime } from '../../src/config/load.js';
import { Pipeline, type PipelineContext } from '../../src/pipeline/pipeline.js';
import { ProgressTracker, sampleSupervisors } from '../../src/service/progress.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import type { Stage } from '../../src/stages/types.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';

// A stage declares its prediction field the way a stage folder does (src/core/frame.ts, PredictionAnalytics).
declare module '../../src/core/frame.js' {
  interface PredictionAnalytics {
    colour?: { label: string; changed: boolean };
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-stages-'));
const colourModel = writeColourModel(dir);
const FRAMES = 12;

function run(stages: () => Stage[]) {
  const predictions: Prediction[] = [];
  const events: TrackEvent[] = [];
  const logger = memoryLogger();
  const context: PipelineContext = {
    runtime: defaultRuntime(),
    logger,
    extraSinks: (p) => [{ ...callbackSink(p, (x) => predictions.push(x)), event: (e: TrackEvent) => void events.push(e) }],
    extraStages: () => stages(),
  };
  const pipeline = new Pipeline(
    pipelineConfig('stages', {
      model: { file: colourModel },
      source: { kind: 'synthetic', width: 64, height: 48, fps: 0, pattern: 'colours', frames: FRAMES },
      buffer: { policy: 'queue', size: 64 },
    }),
    context,
  );
  return { pipeline, predictions, events, logger };
}

async function finish(pipeline: Pipeline): Promise<void> {
  await pipeline.start();
  await pipeline.finished;
  await pipeline.stop();
}

describe('pipeline stages', () => {
  it('without stages: every frame inferred, and no `skipped` in the report', async () => {
    const { pipeline, predictions } = run(() => []);
    await finish(pipeline);
    expect(predictions).toHaveLength(FRAMES);
    expect(predictions.every((p) => p.analytics === undefined)).toBe(true);
    const report = pipeline.report();
    expect(report).toMatchObject({ framesIn: FRAMES, framesOut: FRAMES, drops: {} });
    expect('skipped' in report).toBe(false);
    expect(pipeline.skipped).toBe(0);
  });

  it('a gate skips inference for the frames it refuses: counted by reason as skips, not drops, and the watchdog sees no stall', async () => {
    const seen: number[] = [];
    const { pipeline, predictions } = run(() => [
      {
        name: 'odd',
        gate: (frame) => {
          seen.push(frame.id);
          return frame.id % 2 === 1 ? { infer: false, reason: 'odd_frame' } : { infer: true };
        },
      },
    ]);
    await finish(pipeline);
    expect(seen).toEqual([...Array(FRAMES).keys()]);
    expect(predictions.map((p) => p.frameId)).toEqual([0, 2, 4, 6, 8, 10]);
    const report = pipeline.report();
    expect(report).toMatchObject({ framesIn: FRAMES, framesOut: FRAMES / 2, drops: {}, skipped: { odd_frame: FRAMES / 2 } });
    expect(pipeline.stats.dropped).toBe(0);
    expect(pipeline.skipped).toBe(FRAMES / 2);
    // Taken in and done with: nothing pending, so two watchdog ticks without new predictions are not a stall.
    const supervisor = { pipelines: () => [pipeline], status: () => [{ name: pipeline.name, state: 'running', delegate: 'xnnpack', attempts: 1 }] };
    const samples = sampleSupervisors([supervisor as never]);
    expect(samples[0]).toMatchObject({ framesIn: FRAMES, framesOut: FRAMES / 2, dropped: 0, skipped: FRAMES / 2 });
    const tracker = new ProgressTracker();
    tracker.check(samples);
    expect(tracker.check(samples)).toEqual({ progress: true });
  });

  it('the first gate that refuses decides; a gate sees the latest prediction the sinks got', async () => {
    const latest: Array<number | undefined> = [];
    const { pipeline, predictions } = run(() => [
      { name: 'first', gate: (frame) => (frame.id < 4 ? { infer: false, reason: 'warming_up' } : { infer: true }) },
      {
        name: 'second',
        gate: (frame, view) => {
          latest.push(view.latest?.frameId);
          return frame.id >= 8 ? { infer: false, reason: 'enough' } : { infer: true };
        },
      },
    ]);
    await finish(pipeline);
    expect(predictions.map((p) => p.frameId)).toEqual([4, 5, 6, 7]);
    expect(pipeline.report().skipped).toEqual({ warming_up: 4, enough: 4 });
    // Only frames 4.. reach the second gate; frame 4's before any prediction existed, the later ones see one of
    // the frames before them (how far behind depends on timing: stage-runner.test.ts checks the view exactly).
    expect(latest).toHaveLength(8);
    expect(latest[0]).toBeUndefined();
    const ids = latest.filter((id): id is number => id !== undefined);
    expect(ids.every((id, i) => id >= 4 && id <= 7 && id >= (ids[i - 1] ?? 0))).toBe(true);
  });

  it('a result stage adds analytics fields and emits events; start before the first frame, stop once after the last', async () => {
    const calls: string[] = [];
    const { pipeline, predictions, events } = run(() => {
      let previous: string | undefined;
      let emit: ((event: TrackEvent) => void) | undefined;
      return [
        {
          name: 'colour',
          start: (context) => {
            calls.push(`start ${context.pipeline}`);
            emit = context.emit;
          },
          process: (prediction, frame) => {
            calls.push(`process ${frame.id}`);
            const label = prediction.result.kind === 'classify' ? (prediction.result.classes[0]?.label ?? '') : '';
            const changed = label !== previous;
            const score = prediction.result.kind === 'classify' ? (prediction.result.classes[0]?.score ?? 0) : 0;
            // A colour seen anew stands in for a track that starts: the event goes to every sink as it is.
            if (changed) emit!({ type: 'track_start', pipeline: prediction.pipeline, trackId: frame.id, label, score, atMs: frame.capturedWallMs, firstSeenMs: frame.capturedWallMs, frameId: frame.id });
            previous = label;
            return { ...prediction, analytics: { ...prediction.analytics, colour: { label, changed } } };
          },
          stop: () => void calls.push('stop'),
        },
      ];
    });
    await finish(pipeline);
    expect(calls).toEqual(['start stages', ...[...Array(FRAMES).keys()].map((id) => `process ${id}`), 'stop']);
    expect(predictions).toHaveLength(FRAMES);
    for (const p of predictions) {
      const best = p.result.kind === 'classify' ? p.result.classes[0]?.label : undefined;
      expect(p.analytics?.colour?.label).toBe(best);
    }
    const changes = predictions.filter((p) => p.analytics?.colour?.changed);
    expect(changes.length).toBeGreaterThan(1);
    expect(events.map((e) => e.frameId)).toEqual(changes.map((p) => p.frameId));
    expect(events[0]).toEqual({
      type: 'track_start',
      pipeline: 'stages',
      trackId: 0,
      label: predictions[0]!.analytics!.colour!.label,
      score: predictions[0]!.result.kind === 'classify' ? predictions[0]!.result.classes[0]!.score : -1,
      atMs: predictions[0]!.capturedWallMs,
      firstSeenMs: predictions[0]!.capturedWallMs,
      frameId: 0,
    });
  });

  it('a result stage that throws drops that prediction (stage_error, warned once with a count), and the pipeline goes on', async () => {
    const { pipeline, predictions, logger } = run(() => [
      {
        name: 'flaky',
        process: (prediction, frame) => {
          if (frame.id % 3 === 0) throw new Error('no tracks for you');
          return prediction;
        },
      },
    ]);
    await finish(pipeline);
    expect(predictions.map((p) => p.frameId)).toEqual([1, 2, 4, 5, 7, 8, 10, 11]);
    // frames_out counts what the sinks got: in = out + drops.
    expect(pipeline.report()).toMatchObject({ framesIn: FRAMES, framesOut: 8, drops: { stage_error: 4 } });
    const warnings = logger.entries.filter((e) => e.level === 'warn' && e.message.includes('stage flaky'));
    expect(warnings[0]?.message).toBe('pipeline stages: frame 0 dropped (stage flaky): no tracks for you');
  });

  it('a gate that throws lets the frame through to inference (a broken gate must not blind the camera)', async () => {
    const { pipeline, predictions, logger } = run(() => [
      {
        name: 'broken',
        gate: () => {
          throw new Error('background model not ready');
        },
      },
    ]);
    await finish(pipeline);
    expect(predictions).toHaveLength(FRAMES);
    expect(pipeline.report().skipped).toEqual({});
    expect(logger.entries.find((e) => e.message.includes('stage broken'))?.message).toBe(
      'pipeline stages: stage broken gate failed on frame 0, inferring it: background model not ready',
    );
  });

  it('a stage whose start fails fails the pipeline start and is stopped with the stages started before it', async () => {
    const calls: string[] = [];
    const { pipeline } = run(() => [
      { name: 'a', start: () => void calls.push('start a'), stop: () => void calls.push('stop a') },
      {
        name: 'b',
        start: async () => {
          calls.push('start b');
          throw new Error('zones: polygon outside the frame');
        },
        stop: () => void calls.push('stop b'),
      },
      { name: 'c', start: () => void calls.push('start c'), stop: () => void calls.push('stop c') },
    ]);
    await expect(pipeline.start()).rejects.toThrow('zones: polygon outside the frame');
    expect(calls).toEqual(['start a', 'start b', 'stop b', 'stop a']);
  });
});

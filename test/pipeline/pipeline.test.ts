/** The engine end to end on the project's own models: synthetic and image sources, real TFLite, real sinks. */
import type { RuntimeConfig } from '../../src/config/types.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { memoryLogger } from '../../src/core/log.js';
import type { Prediction } from '../../src/core/frame.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { writeColourModel, writeSlowModel } from '../helpers/image-models.js';
import { defaultRuntime } from '../../src/config/load.js';
import { until } from '../sources/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-pipeline-'));
const colourModel = writeColourModel(dir);
const slowModel = writeSlowModel(dir);

function collecting(): { predictions: Prediction[]; context: { runtime: RuntimeConfig; logger: ReturnType<typeof memoryLogger>; extraSinks: (p: string) => ReturnType<typeof callbackSink>[] } } {
  const predictions: Prediction[] = [];
  return {
    predictions,
    context: { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))] },
  };
}

describe('Pipeline', () => {
  it('classifies every synthetic frame with the colour it shows, with per-stage latency', async () => {
    const { predictions, context } = collecting();
    const pipeline = new Pipeline(
      pipelineConfig('colours', {
        model: { file: colourModel },
        source: { kind: 'synthetic', width: 64, height: 48, fps: 0, pattern: 'colours', frames: 12 },
        buffer: { policy: 'queue', size: 64 },
      }),
      context,
    );
    await pipeline.start();
    await pipeline.finished;
    expect(pipeline.state).toBe('ended');
    await pipeline.stop();
    expect(predictions).toHaveLength(12);
    for (const p of predictions) {
      expect(p.result.kind).toBe('classify');
      const best = p.result.kind === 'classify' ? p.result.classes[0]! : undefined;
      expect(best?.label).toBe(p.meta['expected']);
      expect(p.latencyMs.total).toBeGreaterThanOrEqual(p.latencyMs.preprocess + p.latencyMs.infer);
      expect(p.model.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(p.delegate).toBe('xnnpack');
    }
    expect(predictions.map((p) => p.frameId)).toEqual([...Array(12).keys()]);
    const report = pipeline.report();
    expect(report).toMatchObject({ framesIn: 12, framesOut: 12, drops: {} });
  });

  it('with a slow model and a fast source keeps only the newest frame, counts every drop and stays flat in memory', async () => {
    const { predictions, context } = collecting();
    const frames = 1500;
    const pipeline = new Pipeline(
      pipelineConfig('slow', {
        model: { file: slowModel, delegates: ['cpu'] },
        source: { kind: 'synthetic', width: 320, height: 240, fps: 0, pattern: 'noise', frames },
        buffer: { policy: 'latest', size: 1 },
      }),
      context,
    );
    await pipeline.start();
    const rssStart = process.memoryUsage().rss;
    await pipeline.finished;
    const rssGrowthMiB = (process.memoryUsage().rss - rssStart) / 2 ** 20;
    await pipeline.stop();
    const report = pipeline.report();
    expect(report.framesIn).toBe(frames);
    expect(report.drops.buffer).toBeGreaterThan(0);
    expect(report.framesOut + (report.drops.buffer ?? 0) + (report.drops.stale ?? 0)).toBe(frames);
    expect(predictions).toHaveLength(report.framesOut);
    // Nothing accumulates: at most 1 waiting frame, the staging slots and the frames in flight.
    expect(rssGrowthMiB).toBeLessThan(60);
  });

  it('every: N and max_fps drop frames before the buffer and count them', async () => {
    const { predictions, context } = collecting();
    const pipeline = new Pipeline(
      pipelineConfig('every', {
        model: { file: colourModel },
        source: { kind: 'synthetic', width: 32, height: 32, fps: 0, pattern: 'colours', frames: 20 },
        buffer: { policy: 'queue', size: 64 },
        every: 4,
      }),
      context,
    );
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    expect(predictions.map((p) => p.frameId)).toEqual([0, 4, 8, 12, 16]);
    expect(pipeline.report().drops).toEqual({ every: 15 });
  });

  it('stop() finishes frames in flight, flushes the sinks and counts waiting frames as dropped', async () => {
    const { predictions, context } = collecting();
    const output = path.join(dir, 'stop.jsonl');
    const pipeline = new Pipeline(
      pipelineConfig('stopping', {
        model: { file: slowModel, delegates: ['cpu'] },
        source: { kind: 'synthetic', width: 96, height: 96, fps: 0, pattern: 'noise', frames: 0 },
        buffer: { policy: 'queue', size: 8 },
        sinks: [{ kind: 'file', path: output, maxBytes: 10 * 2 ** 20, keep: 1 }],
      }),
      context,
    );
    await pipeline.start();
    // Stop once frames are flowing (a fixed 300 ms was sometimes before the first answer on a loaded machine).
    await until(() => predictions.length > 0, 30_000, 'the first prediction');
    await pipeline.stop();
    expect(pipeline.state).toBe('stopped');
    const report = pipeline.report();
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(report.framesOut);
    expect(predictions).toHaveLength(report.framesOut);
    expect(report.framesOut).toBeGreaterThan(0);
    const dropped = Object.values(report.drops).reduce((a, b) => a + (b ?? 0), 0);
    expect(report.framesOut + dropped).toBe(report.framesIn);
  });

  it('serves one model with a pool of interpreters, every frame answered once', async () => {
    const { predictions, context } = collecting();
    const pipeline = new Pipeline(
      pipelineConfig('pool', {
        model: { file: colourModel, pool: 3 },
        source: { kind: 'synthetic', width: 64, height: 48, fps: 0, pattern: 'colours', frames: 30 },
        buffer: { policy: 'queue', size: 64 },
      }),
      context,
    );
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    expect(predictions.map((p) => p.frameId).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    for (const p of predictions) {
      expect(p.result.kind === 'classify' && p.result.classes[0]!.label).toBe(p.meta['expected']);
    }
  });

  it('fails to start with a clear error when the model file is missing', async () => {
    const { context } = collecting();
    const pipeline = new Pipeline(pipelineConfig('missing', { model: { file: path.join(dir, 'nope.tflite') } }), context);
    await expect(pipeline.start()).rejects.toThrow(`${path.join(dir, 'nope.tflite')}: cannot read model: no such file`);
  });
});

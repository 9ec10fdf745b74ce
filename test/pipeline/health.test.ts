/**
 * Accelerator health at run time, with the project's int8_fc test delegate (a real external-delegate plugin
 * that computes FULLY_CONNECTED and can be told to fail or hang after N invokes), and supervision of
 * several pipelines.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../src/config/types.js';
import { Pipeline, type PipelineContext } from '../../src/pipeline/pipeline.js';
import { memoryLogger } from '../../src/core/log.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import type { Prediction } from '../../src/core/frame.js';
import { builtinDelegatesDir, loadDelegateDescriptors, parseDelegateDescriptor, type OptionValue } from '../../src/runtime/delegates.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { buildDelegatePlugin } from '../helpers/build-c.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { defaultRuntime } from '../../src/config/load.js';
import { until } from '../sources/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-health-'));
const colourModel = writeColourModel(dir);

async function withInt8Fc(options: Record<string, OptionValue>): Promise<ReturnType<typeof loadDelegateDescriptors>> {
  const library = await buildDelegatePlugin('int8_fc');
  const descriptors = loadDelegateDescriptors([builtinDelegatesDir]);
  const descriptor = parseDelegateDescriptor('int8_fc.yaml', [
    'version: 1', 'name: int8_fc', 'abi: plugin', 'library:', `  names: [${path.basename(library)}]`,
    '  search_paths:', `    ${process.arch}: [${path.dirname(library)}]`,
  ].join('\n'));
  descriptors.set('int8_fc', { ...descriptor, options });
  return descriptors;
}

function context(descriptors: ReturnType<typeof loadDelegateDescriptors>, predictions: Prediction[]): PipelineContext & { logger: ReturnType<typeof memoryLogger> } {
  return {
    runtime: defaultRuntime(),
    logger: memoryLogger(),
    descriptors,
    extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))],
  };
}

function colours(name: string, frames: number, health: PipelineConfig['model']['health'], fps = 0): PipelineConfig {
  return pipelineConfig(name, {
    model: { file: colourModel, delegates: ['int8_fc', 'cpu'], health },
    source: { kind: 'synthetic', width: 32, height: 32, fps, pattern: 'colours', frames },
    buffer: { policy: 'queue', size: 256 },
  });
}

describe('accelerator health', () => {
  it('fails over to the next delegate after N failed invokes, without stopping', async () => {
    const predictions: Prediction[] = [];
    const ctx = context(await withInt8Fc({ fail_after: 3 }), predictions);
    const pipeline = new Pipeline(colours('failover', 10, { failures: 2, timeoutMs: 5000, reprobeS: 0 }), ctx);
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    // The warm-up invoke at load is the delegate's first: frames 0-1 work, 2-3 fail, then the CPU takes over.
    expect(predictions.map((p) => [p.frameId, p.delegate])).toEqual([
      [0, 'int8_fc'], [1, 'int8_fc'],
      [4, 'cpu'], [5, 'cpu'], [6, 'cpu'], [7, 'cpu'], [8, 'cpu'], [9, 'cpu'],
    ]);
    expect(pipeline.report()).toMatchObject({ drops: { infer_error: 2 }, delegate: 'cpu', failovers: 1 });
    expect(ctx.logger.entries).toContainEqual(expect.objectContaining({
      level: 'warn',
      message: 'pipeline failover: delegate int8_fc -> cpu',
      fields: { reason: expect.stringContaining('int8_fc_delegate: injected failure after 3 invokes') },
    }));
  });

  it('abandons an invoke that exceeds the timeout and moves on', async () => {
    const predictions: Prediction[] = [];
    const ctx = context(await withInt8Fc({ hang_after: 2 }), predictions);
    const pipeline = new Pipeline(colours('hang', 6, { failures: 1, timeoutMs: 300, reprobeS: 0 }), ctx);
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    // Warm-up plus frame 0 work; frame 1 hangs and is abandoned.
    expect(predictions.map((p) => [p.frameId, p.delegate])).toEqual([[0, 'int8_fc'], [2, 'cpu'], [3, 'cpu'], [4, 'cpu'], [5, 'cpu']]);
    expect(pipeline.report().drops).toEqual({ infer_timeout: 1 });
  });

  it('re-probes the better delegate and fails back when it works again', async () => {
    const predictions: Prediction[] = [];
    // Each new delegate instance counts invokes from zero: after a failover, a re-probe finds it working.
    const ctx = context(await withInt8Fc({ fail_after: 4 }), predictions);
    const pipeline = new Pipeline(colours('failback', 60, { failures: 1, timeoutMs: 5000, reprobeS: 0.2 }, 50), ctx);
    await pipeline.start();
    await pipeline.finished;
    await pipeline.stop();
    const changes = ctx.logger.entries.filter((e) => e.message.startsWith('pipeline failback: delegate')).map((e) => e.message);
    expect(changes.slice(0, 2)).toEqual(['pipeline failback: delegate int8_fc -> cpu', 'pipeline failback: delegate cpu -> int8_fc']);
    const delegates = predictions.map((p) => p.delegate);
    expect(delegates.indexOf('int8_fc', delegates.indexOf('cpu'))).toBeGreaterThan(0);
  });
});

describe('supervisor', () => {
  it('keeps running the healthy pipelines while a broken one is retried with backoff', async () => {
    const predictions: Prediction[] = [];
    const ctx = context(loadDelegateDescriptors([builtinDelegatesDir]), predictions);
    const good = pipelineConfig('good', {
      model: { file: colourModel },
      source: { kind: 'synthetic', width: 32, height: 32, fps: 0, pattern: 'colours', frames: 8 },
      buffer: { policy: 'queue', size: 64 },
    });
    const broken = pipelineConfig('broken', { model: { file: path.join(dir, 'missing.tflite') } });
    const supervisor = new Supervisor([good, broken], ctx, { initialMs: 50, maxMs: 200 });
    await supervisor.start();
    // Wait for what is asserted (a fixed 500 ms was not always enough on a loaded machine).
    const named = (name: string) => supervisor.status().find((s) => s.name === name);
    await until(() => named('good')?.state === 'ended' && (named('broken')?.attempts ?? 0) >= 3, 30_000, 'the good pipeline to end and 3 attempts of the broken one');
    const status = supervisor.status();
    await supervisor.stop();
    expect(predictions.filter((p) => p.pipeline === 'good')).toHaveLength(8);
    expect(status.find((s) => s.name === 'good')).toMatchObject({ state: 'ended', attempts: 1 });
    const brokenStatus = status.find((s) => s.name === 'broken')!;
    expect(brokenStatus.state).toMatch(/backoff|starting/);
    expect(brokenStatus.attempts).toBeGreaterThanOrEqual(3);
    expect(brokenStatus.lastError).toContain('missing.tflite: cannot read model: no such file');
  });
});

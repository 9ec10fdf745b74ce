/**
 * model.optimize: auto in a running pipeline, on tiny uint8 models the tests write: the converted model cached by
 * the source's SHA-256 (a second start converts nothing), the swap to XNNPACK, the refusals (agreement below the
 * threshold, an operator the rewrite cannot convert) with their log lines and stats. Needs `npm run build` (the
 * conversion runs on the compiled worker).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRuntime, parseConfig } from '../../src/config/load.js';
import type { PipelineConfig } from '../../src/config/types.js';
import { memoryLogger } from '../../src/core/log.js';
import type { Prediction } from '../../src/core/frame.js';
import type { OptimizeStatus } from '../../src/core/stats-report.js';
import { Pipeline, type PipelineContext } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { readModelGraph } from '../../src/tflite/model-graph.js';
import { writeModelGraph } from '../../src/tflite/graph-writer.js';
import { builtinOperatorCode } from '../../src/tflite/builtin-ops.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { needsRealHardware, PROBE_UNDER_EMULATION } from '../helpers/emulation.js';
import { until } from '../sources/helpers.js';
import { uint8Network } from './uint8-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-optimize-auto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeModelFile(name: string, bytes: Uint8Array): { file: string; sha256: string } {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return { file, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Seed of the network for the agreement tests: on the 400 first `colours` frames its top-1 leads the second score by
 * at least 0.32 and the converted model (CPU kernels and XNNPACK) picks the same class on all of them.
 */
const AGREEING_SEED = 2;

/** The test network with its SOFTMAX made a LOG_SOFTMAX, which TFLite runs on uint8 and the rewrite has no rule for. */
function logSoftmaxNetwork(): Uint8Array {
  const graph = readModelGraph(uint8Network({ metadata: true }), 'net.tflite');
  const sg = graph.subgraphs[0]!;
  const softmax = sg.operators.find((o) => o.name === 'SOFTMAX')!;
  Object.assign(softmax, { name: 'LOG_SOFTMAX', opcode: { builtinCode: builtinOperatorCode('LOG_SOFTMAX')!, version: 1 } });
  delete softmax.options;
  // TFLite's uint8 LOG_SOFTMAX writes at scale 16/256, zero point 255.
  sg.tensors[softmax.outputs[0]!]!.quantization = { scale: [16 / 256], zeroPoint: [255], quantizedDimension: 0 };
  return writeModelGraph(graph);
}

function config(name: string, file: string, over: Partial<PipelineConfig> = {}): PipelineConfig {
  return pipelineConfig(name, {
    // Endless: the pipeline runs until the test stops it, so the swap happens while frames flow. Which frames the
    // check keeps depends on timing, so every frame must be one both models agree on: the four colours, not noise
    // (on noise the tiny network has near-ties, and 4-7% of frames flip top-1 after requantisation).
    source: { kind: 'synthetic', width: 64, height: 48, fps: 50, pattern: 'colours', frames: 0 },
    buffer: { policy: 'latest', size: 1 },
    ...over,
    model: { file, optimize: 'auto' },
  });
}

interface Run {
  pipeline: Pipeline;
  logger: ReturnType<typeof memoryLogger>;
  predictions: Prediction[];
}

async function start(name: string, file: string, cacheDir: string, optimize: PipelineContext['optimize'] = {}, over: Partial<PipelineConfig> = {}): Promise<Run> {
  const logger = memoryLogger();
  const predictions: Prediction[] = [];
  const pipeline = new Pipeline(config(name, file, over), {
    runtime: { ...defaultRuntime(), cacheDir },
    logger,
    extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))],
    optimize: { frames: 4, timeRuns: 2, waitMs: 30_000, ...optimize },
  });
  await pipeline.start();
  return { pipeline, logger, predictions };
}

/** Waits until the check has decided (generous: conversion, probe and the check share 2 busy cores). */
async function decided(run: Run): Promise<OptimizeStatus> {
  await until(() => run.pipeline.peek().optimize?.state !== 'checking', 120_000);
  return run.pipeline.peek().optimize!;
}

const optimizeLines = (run: Run): string[] => run.logger.entries.map((e) => e.message).filter((m) => m.includes('model.optimize auto'));

describe('model.optimize in the YAML', () => {
  const load = (value: string) =>
    parseConfig('/etc/edgepipe/door.yaml', `version: 1\npipelines:\n  - name: door\n    source: { kind: synthetic }\n    model: { file: m.tflite, optimize: ${value} }\n    postprocess: { kind: classify }\n`);

  it('takes off (the default) and auto', () => {
    expect(load('off').pipelines[0]!.model.optimize).toBe('off');
    expect(load('auto').pipelines[0]!.model.optimize).toBe('auto');
  });

  it('refuses anything else, naming the field, the value and what is expected', () => {
    expect(() => load('fast')).toThrow('/etc/edgepipe/door.yaml:5:40: pipelines[0].model.optimize: expected one of off, auto, received "fast"');
    expect(() => load('true')).toThrow('pipelines[0].model.optimize: expected one of off, auto, received true');
  });
});

describe.skipIf(needsRealHardware(PROBE_UNDER_EMULATION))('model.optimize: auto', () => {
  it('converts at the first start (cache miss), swaps to XNNPACK; a second start reuses the cached model without converting', async () => {
    const cacheDir = path.join(dir, 'cache-swap');
    const { file, sha256 } = writeModelFile('net.tflite', uint8Network({ metadata: true, seed: AGREEING_SEED }));
    const first = await start('first', file, cacheDir);
    expect(first.pipeline.peek().optimize).toMatchObject({ state: 'checking' });
    const status = await decided(first);
    expect(status).toMatchObject({
      state: 'optimised', cache: 'miss', inputSource: 'frames', inputs: 4, agreement: 1,
      before: { delegate: 'cpu', nodes: 0 }, after: { delegate: 'xnnpack' },
    });
    expect(status.after!.nodes).toBeGreaterThan(0);
    expect(optimizeLines(first)).toEqual([
      expect.stringMatching(
        /^pipeline first: model\.optimize auto: switched to the int8 model: xnnpack takes \d+ of \d+ nodes \(original: cpu, 0 of 11\); agreement 100\.0% on 4 frames \(4 of 4 inputs with the same top-1 class\); invoke p50 \d+\.\d -> \d+\.\d ms; cache miss$/,
      ),
    ]);
    // Frames after the swap run on the converted model; the ones before ran on the plain kernels.
    const swappedAt = first.predictions.length;
    await until(() => first.predictions.length >= swappedAt + 5, 60_000);
    expect(first.predictions.at(-1)!.delegate).toBe('xnnpack');
    expect(first.pipeline.delegate).toBe('xnnpack');
    expect(first.predictions[0]!.delegate).toBe('cpu');
    await first.pipeline.stop();

    const entry = path.join(cacheDir, 'optimize', `${sha256}-r1`);
    const before = statSync(`${entry}.tflite`);
    expect(readdirSync(path.join(cacheDir, 'optimize')).sort()).toEqual([`${sha256}-r1.json`, `${sha256}-r1.tflite`]);
    expect((statSync(path.join(cacheDir, 'optimize')).mode & 0o777).toString(8)).toBe('700');

    const second = await start('second', file, cacheDir);
    const again = await decided(second);
    expect(again).toMatchObject({ state: 'optimised', cache: 'hit' });
    expect(optimizeLines(second)).toEqual([expect.stringMatching(/^pipeline second: model\.optimize auto: switched to the int8 model: .*; cache hit$/)]);
    await second.pipeline.stop();
    // Not converted again: the same file (inode and mtime), not a rewrite of it.
    const after = statSync(`${entry}.tflite`);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  }, 240_000);

  it('keeps the original when the agreement is below the threshold, saying so', async () => {
    const cacheDir = path.join(dir, 'cache-agreement');
    const { file } = writeModelFile('net-agreement.tflite', uint8Network({ metadata: true, seed: AGREEING_SEED }));
    // 4 of 4 frames agree (100%): only a threshold above that refuses, which is what this forces.
    const run = await start('strict', file, cacheDir, { minAgreement: 1.01 });
    const status = await decided(run);
    expect(status).toMatchObject({ state: 'original', cache: 'miss', agreement: 1, inputs: 4 });
    expect(status.reason).toBe('agreement 100.0% on 4 frames (4 of 4 inputs with the same top-1 class) is below 101.0%');
    expect(optimizeLines(run)).toEqual([
      'pipeline strict: model.optimize auto: kept the original model: agreement 100.0% on 4 frames (4 of 4 inputs with the same top-1 class) is below 101.0%; cache miss',
    ]);
    const count = run.predictions.length;
    await until(() => run.predictions.length >= count + 3, 60_000);
    expect(run.pipeline.delegate).toBe('cpu');
    expect(run.predictions.at(-1)!.delegate).toBe('cpu');
    await run.pipeline.stop();
  }, 240_000);

  it('keeps running on the original when an operator cannot be converted; the refusal is cached too', async () => {
    const cacheDir = path.join(dir, 'cache-unsupported');
    const { file, sha256 } = writeModelFile('log-softmax.tflite', logSoftmaxNetwork());
    const run = await start('logsoftmax', file, cacheDir);
    const status = await decided(run);
    const reason = `cannot convert: ${file}: operator 10 (LOG_SOFTMAX, output tensor 22 "probabilities") has uint8 tensors and edgepipe optimize cannot convert LOG_SOFTMAX; supported: `;
    expect(status).toMatchObject({ state: 'original', cache: 'miss' });
    expect(status.reason!.slice(0, reason.length)).toBe(reason);
    expect(optimizeLines(run)).toEqual([expect.stringMatching(/^pipeline logsoftmax: model\.optimize auto: kept the original model: cannot convert: .* \(LOG_SOFTMAX, .*; cache miss$/)]);
    const count = run.predictions.length;
    await until(() => run.predictions.length >= count + 3, 60_000);
    await run.pipeline.stop();
    expect(readdirSync(path.join(cacheDir, 'optimize'))).toEqual([`${sha256}-r1.json`]);

    const again = await start('logsoftmax', file, cacheDir);
    expect(await decided(again)).toMatchObject({ state: 'original', cache: 'hit' });
    await again.pipeline.stop();
  }, 240_000);

  it('compares on the calibration images when no frame comes in time', async () => {
    const cacheDir = path.join(dir, 'cache-images');
    const { file } = writeModelFile('net-images.tflite', uint8Network({ metadata: true, seed: 5 }));
    const images = await Promise.all(['red', 'teal', 'white'].map(async (colour) => {
      const image = path.join(dir, `${colour}.png`);
      await sharp({ create: { width: 16, height: 16, channels: 3, background: colour } }).png().toFile(image);
      return image;
    }));
    // max_fps 0.01: the first frame passes (before the check waits for one), the next only after 100 s.
    const run = await start('idle', file, cacheDir, { waitMs: 500, images }, { maxFps: 0.01 });
    const status = await decided(run);
    expect(status).toMatchObject({ state: 'optimised', inputSource: 'images', inputs: 3, agreementDetails: '3 of 3 inputs with the same top-1 class' });
    expect(optimizeLines(run)).toEqual([expect.stringContaining('agreement 100.0% on 3 calibration images (3 of 3 inputs with the same top-1 class)')]);
    await run.pipeline.stop();
  }, 240_000);

  it('stopping while the check runs ends it without a swap or a log line', async () => {
    const cacheDir = path.join(dir, 'cache-stop');
    const { file } = writeModelFile('net-stop.tflite', uint8Network({ metadata: true, seed: 3 }));
    // More frames than arrive before the stop below: the check cannot have decided.
    const run = await start('early', file, cacheDir, { frames: 100_000 });
    await run.pipeline.stop();
    expect(run.pipeline.peek().optimize?.state).toBe('checking');
    expect(optimizeLines(run)).toEqual([]);
    expect(run.pipeline.state).toBe('stopped');
  }, 120_000);
});

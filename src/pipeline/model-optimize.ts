/**
 * `model.optimize: auto`: the pipeline starts on the original model; meanwhile this converts it to int8 (on a
 * worker thread, or from the cache keyed by the source's SHA-256), loads the result through the probe, checks on
 * the pipeline's delegate chain that it lands higher or takes more nodes, and compares both models' outputs on
 * the first frames the pipeline preprocesses (calibration images when no frame comes). Only when both hold does
 * the pipeline swap in a runner on the converted model; otherwise it keeps the original. One log line says which,
 * and `status` is the stats' `optimize`. Nothing here runs long on the main thread: conversion in a worker,
 * invokes on the addon's thread, the rest is hashing and small loops.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { OptimizeStatus } from '../core/stats-report.js';
import type { Logger } from '../core/log.js';
import type { TensorArray } from '../runtime/dtypes.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import type { Model } from '../runtime/model.js';
import { loadVerifiedModel } from '../runtime/probe.js';
import { packageRoot } from '../runtime/paths.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { OptimizeCache, type CachedConversion } from '../optimize/auto-cache.js';
import { convertOffThread } from '../optimize/convert-off-thread.js';
import { OptimizeError } from '../optimize/errors.js';
import { FrameCheck } from '../optimize/frame-check.js';
import type { ModelRunner } from './model-runner.js';

/** How the check decides; defaults for pipelines, smaller values for tests. */
export interface AutoOptimizeSettings {
  /** Agreement (0..1) the converted model must reach, as `edgepipe optimize --min-agreement`. Default 0.98. */
  minAgreement: number;
  /** Frames compared (classifiers, segmenters, other models). Default 8. */
  frames: number;
  /** Detectors: frames are compared until this many of the original's boxes are, or `maxFrames`. Default 8. */
  minBoxes: number;
  maxFrames: number;
  /** How long to wait for frames before the calibration images stand in, ms. Default 60,000. */
  waitMs: number;
  /** Alternating timed invokes of each model, for the log line. Default 5. */
  timeRuns: number;
  /** Calibration images when no frame comes. Default ../shared/models/images when present. */
  images?: readonly string[];
}

export const DEFAULT_AUTO_OPTIMIZE: AutoOptimizeSettings = { minAgreement: 0.98, frames: 8, minBoxes: 8, maxFrames: 64, waitMs: 60_000, timeRuns: 5 };

export interface AutoOptimizeParts {
  pipeline: string;
  /** The original model, as the pipeline loaded it. */
  model: Model;
  delegates: readonly string[];
  threads: number;
  descriptors?: ReadonlyMap<string, DelegateDescriptor>;
  /** The cache root (runtime.cache_dir or its default); entries go in its `optimize` folder. */
  cacheRoot: string;
  library?: string;
  /** Where the probe keeps its verdicts (the pipeline's). */
  probeCacheDir?: string;
  logger: Logger;
  settings: AutoOptimizeSettings;
  /** The pipeline's runner now (its inputs and outputs are what the converted model must match). */
  current: () => ModelRunner;
  /** Starts a runner on `model` with the pipeline's options. */
  startRunner: (model: Model) => Promise<ModelRunner>;
  /** Makes `runner` the pipeline's; false when the pipeline is stopping (the caller stops it). */
  swap: (runner: ModelRunner) => boolean;
}

const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

export class AutoOptimizer {
  status: OptimizeStatus = { state: 'checking' };
  private readonly abort = new AbortController();
  private frames: Uint8Array[] = [];
  private wanted = false;
  private wake: (() => void) | undefined;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly parts: AutoOptimizeParts) {}

  /** Begins in the background; failures end as `original` with the reason, never as a pipeline failure. */
  start(): void {
    this.done = this.run().catch((error: unknown) => {
      if (this.abort.signal.aborted) return;
      this.keep(`failed: ${(error as Error).message}`);
    });
  }

  /**
   * A frame the pipeline preprocessed (the bytes of the model's frame input). Copied only while the check waits
   * for one; at most two are held, newer ones are skipped until the check takes them.
   */
  offer(tensor: TensorArray): void {
    if (!this.wanted || this.frames.length >= 2) return;
    const bytes = new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength);
    this.frames.push(Uint8Array.from(bytes));
    this.wake?.();
  }

  /** Cancels the conversion or the check (the worker is terminated, interpreters disposed) and waits for it. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.done;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const { parts } = this;
    const { model } = parts;
    const sha256 = createHash('sha256').update(model.bytes).digest('hex');
    const cache = new OptimizeCache(path.join(parts.cacheRoot, 'optimize'));
    const cacheProblem = await cache.prepare();
    if (cacheProblem) parts.logger.log('warn', `pipeline ${parts.pipeline}: model.optimize auto: not caching the converted model: ${cacheProblem}`);
    let conversion = cacheProblem ? undefined : await cache.lookup(sha256);
    this.status = { state: 'checking', cache: cacheProblem ? 'off' : conversion ? 'hit' : 'miss' };
    if (!conversion) {
      conversion = await this.convert();
      if (this.stopped || conversion === undefined) return;
      if (!cacheProblem) await cache.store(sha256, conversion);
    }
    if (this.stopped) return;
    if (!conversion.ok) return this.keep(`cannot convert: ${conversion.reason}`);

    const optimized = await loadVerifiedModel(model.name, {
      bytes: conversion.bytes,
      name: `${model.name} (optimised)`,
      ...(parts.library ? { library: parts.library } : {}),
      ...(parts.probeCacheDir ? { cacheDir: parts.probeCacheDir } : {}),
    });
    if (this.stopped) return;
    const check = await FrameCheck.create(model, optimized, {
      delegates: parts.delegates,
      threads: parts.threads,
      ...(parts.descriptors ? { descriptors: parts.descriptors } : {}),
    });
    let invokeMs: { before: number; after: number } | undefined;
    try {
      const nodes = (u: typeof check.before): OptimizeStatus['before'] => ({ delegate: u.delegate, nodes: u.nodes, totalNodes: u.totalNodes });
      this.status = { ...this.status, before: nodes(check.before), after: nodes(check.after) };
      if (!check.delegatesMore) {
        const chain = parts.delegates.join(', ');
        return this.keep(
          `the delegate chain (${chain}) takes no more of the converted model (${check.after.delegate}, ${check.after.nodes} of ${check.after.totalNodes} nodes) ` +
            `than of the original (${check.before.delegate}, ${check.before.nodes} of ${check.before.totalNodes})`,
        );
      }
      const compared = await this.compare(check);
      if (this.stopped || compared === undefined) return;
      const { source, inputs } = compared;
      const agreement = check.result();
      this.status = { ...this.status, agreement: agreement.agreement, agreementDetails: agreement.details, inputs, inputSource: source };
      if (agreement.compared === 0) return this.keep(`nothing to compare on ${inputs} ${inputWord(source)} (${agreement.details})`);
      if (agreement.agreement < parts.settings.minAgreement) {
        return this.keep(`agreement ${percent(agreement.agreement)} on ${inputs} ${inputWord(source)} (${agreement.details}) is below ${percent(parts.settings.minAgreement)}`);
      }
      invokeMs = await check.time(parts.settings.timeRuns);
      this.status = { ...this.status, invokeMs: { before: round2(invokeMs.before), after: round2(invokeMs.after) } };
    } finally {
      check.dispose();
    }
    if (this.stopped) return;
    const runner = await parts.startRunner(optimized);
    const mismatch = ioMismatch(parts.current(), runner);
    if (mismatch) {
      runner.stop();
      return this.keep(`the converted model's ${mismatch}`);
    }
    if (this.stopped || !parts.swap(runner)) {
      runner.stop();
      return;
    }
    this.status = { ...this.status, state: 'optimised' };
    const s = this.status;
    parts.logger.log(
      'info',
      `pipeline ${parts.pipeline}: model.optimize auto: switched to the int8 model: ${s.after!.delegate} takes ${s.after!.nodes} of ${s.after!.totalNodes} nodes ` +
        `(original: ${s.before!.delegate}, ${s.before!.nodes} of ${s.before!.totalNodes}); agreement ${percent(s.agreement!)} on ${s.inputs} ${inputWord(s.inputSource!)} ` +
        `(${s.agreementDetails}); invoke p50 ${s.invokeMs!.before.toFixed(1)} -> ${s.invokeMs!.after.toFixed(1)} ms; cache ${s.cache}`,
    );
  }

  /** Converts on a worker; a refusal is a result (cached, so a restart does not try again), other failures throw. */
  private async convert(): Promise<CachedConversion | undefined> {
    try {
      const { bytes, summary } = await convertOffThread(this.parts.model.bytes, this.parts.model.name, { signal: this.abort.signal });
      return { ok: true, bytes, summary };
    } catch (error) {
      if (this.stopped) return undefined;
      if (error instanceof OptimizeError) return { ok: false, reason: error.message };
      throw error;
    }
  }

  /**
   * Compares the models on the pipeline's frames as they come, else on calibration images: where the inputs came
   * from and how many (frames that had nothing to compare stay in the counts, not in `inputs`).
   */
  private async compare(check: FrameCheck): Promise<{ source: 'frames' | 'images' | 'synthetic'; inputs: number } | undefined> {
    const { settings } = this.parts;
    const deadline = performance.now() + settings.waitMs;
    const enough = (): boolean =>
      check.kind === 'detector'
        ? check.inputs >= settings.maxFrames || (check.inputs >= settings.frames && check.result().compared >= settings.minBoxes)
        : check.inputs >= settings.frames;
    this.wanted = true;
    try {
      while (!enough() && !this.stopped) {
        const frame = this.frames.shift();
        if (frame) {
          await check.add(frame);
          continue;
        }
        const left = deadline - performance.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    } finally {
      this.wanted = false;
      this.frames = [];
    }
    if (this.stopped) return undefined;
    if (check.inputs > 0 && check.result().compared > 0) return { source: 'frames', inputs: check.inputs };
    // No frame in time (a gated or idle source), or frames with nothing to compare (no box in an empty room).
    const frames = check.inputs;
    const source = await check.addCalibration(settings.images ?? sharedImages(), settings.frames);
    return { source, inputs: check.inputs - frames };
  }

  private keep(reason: string): void {
    this.status = { ...this.status, state: 'original', reason };
    this.parts.logger.log('warn', `pipeline ${this.parts.pipeline}: model.optimize auto: kept the original model: ${reason}; cache ${this.status.cache ?? 'off'}`);
  }
}

const inputWord = (source: 'frames' | 'images' | 'synthetic'): string => (source === 'frames' ? 'frames' : source === 'images' ? 'calibration images' : 'synthetic inputs');
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The shared test images beside the package (../shared/models/images), when present. */
function sharedImages(): string[] {
  const folder = path.resolve(packageRoot(), '..', 'shared', 'models', 'images');
  if (!existsSync(folder)) return [];
  return readdirSync(folder).filter((n) => /\.(png|jpe?g|webp)$/i.test(n)).sort().map((n) => path.join(folder, n));
}

/** What differs between the two runners' inputs or outputs (the pipeline's preprocessing and postprocessing are built for the first). */
function ioMismatch(a: ModelRunner, b: ModelRunner): string | undefined {
  const same = (x: TensorInfo, y: TensorInfo): boolean =>
    x.dtype === y.dtype && x.shape.join() === y.shape.join() &&
    (x.quantization?.scale ?? 0) === (y.quantization?.scale ?? 0) && (x.quantization?.zeroPoint ?? 0) === (y.quantization?.zeroPoint ?? 0);
  for (const [what, xs, ys] of [['inputs', a.inputs, b.inputs], ['outputs', a.outputs, b.outputs]] as const) {
    if (xs.length !== ys.length) return `${what} differ in number (${ys.length}, not ${xs.length})`;
    const k = xs.findIndex((x, i) => !same(x, ys[i]!));
    if (k >= 0) return `${what.slice(0, -1)} ${k} differs from the original's (${ys[k]!.dtype} [${ys[k]!.shape.join(', ')}], not ${xs[k]!.dtype} [${xs[k]!.shape.join(', ')}])`;
  }
  if (a.frameInput !== b.frameInput) return `frame input is ${b.frameInput}, not ${a.frameInput}`;
  return undefined;
}

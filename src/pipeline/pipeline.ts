/**
 * One pipeline: source -> filters (paused, every, max_fps, thermal) -> gate stages -> bounded buffer -> preprocess
 * -> inference (pool, failover) -> postprocess -> result stages -> sinks, assembled as an RxJS stream from a
 * validated PipelineConfig. The fixed chain is in chain.ts, the stages (src/stages) run through stage-runner.ts.
 */
import { createHash } from 'node:crypto';
import { Subject, filter, takeUntil, tap, type Subscription } from 'rxjs';
import type { PipelineConfig, RuntimeConfig } from '../config/types.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import { typedView, type Dtype } from '../runtime/dtypes.js';
import type { Model } from '../runtime/model.js';
import { RepeatLimiter } from '../runtime/repeat-limiter.js';
import { loadVerifiedModel } from '../runtime/probe.js';
import { EdgepipeError } from '../runtime/errors.js';
import { createPostprocessor } from '../postprocess/index.js';
import type { Postprocessor } from '../postprocess/types.js';
import { createSource } from '../sources/index.js';
import type { FrameSource } from '../sources/types.js';
import { createSink } from '../sinks/index.js';
import type { PredictionSink, ServiceNotice } from '../sinks/types.js';
import { within } from '../sinks/timing.js';
import type { Frame } from '../core/frame.js';
import { scheduleFrames } from './frame-scheduler.js';
import { Deadline } from '../core/deadline.js';
import { DemandGate } from './demand.js';
import type { Logger } from '../core/log.js';
import { ModelRunner } from './model-runner.js';
import { cannotStartAgain, sourceBackoff, sourceHealth } from './source-health.js';
import { SourceRetry } from './source-retry.js';
import { PipelineStats, type DropReason, type StatsReport } from './stats.js';
import { postprocessContext } from './labels.js';
import { trackClassProblems } from '../tracking/index.js';
import { zoneClassProblems } from '../zones/index.js';
import { cascadeClassProblems } from '../cascade/index.js';
import { openSecondaryModel } from './secondary-model.js';
import { ThermalMonitor } from './thermal.js';
import { applyBoardDefaults } from '../boards/defaults.js';
import type { PipelineControl } from '../commands/control.js';
import { pipelineControl } from './pipeline-control.js';
import { buildPreprocess, inferFrame, type Inferred, type Preprocess, type Prepared } from './chain.js';
import { StageRunner } from './stage-runner.js';
import { CropTensors, cropInputSize, cropMerge, preprocessCrops } from './region-chain.js';
import { createStages } from '../stages/index.js';
import { AutoOptimizer, DEFAULT_AUTO_OPTIMIZE, type AutoOptimizeSettings } from './model-optimize.js';
import { defaultCacheRoot } from '../optimize/auto-cache.js';
import type { Stage } from '../stages/types.js';
import { decoderResize } from '../preprocess/decoder-resize.js';

export type PipelineState = 'starting' | 'running' | 'ended' | 'failed' | 'stopping' | 'stopped';

export interface PipelineContext {
  runtime: RuntimeConfig;
  logger: Logger;
  descriptors?: ReadonlyMap<string, DelegateDescriptor>;
  /** Called every stats interval, and once more when the pipeline stops. */
  onStats?: (report: StatsReport) => void;
  /** Sinks added to each pipeline's configured ones (the demo's console, tests). */
  extraSinks?: (pipeline: string) => PredictionSink[];
  /** Stages added after each pipeline's configured ones (tests, experiments): see src/stages/types.ts. */
  extraStages?: (pipeline: string) => Stage[];
  /** Reloads the configuration the way SIGHUP does (`edgepipe run`) and reports its outcome: the `reload` command. */
  requestReload?: () => Promise<{ ok: boolean; message: string }>;
  /**
   * The model's and labels file's content as read at (re)load (src/service/pipeline-files.ts): used instead of
   * reading the files, so a restart or a rollback runs what was checked, whatever the files hold now.
   */
  files?: { model?: Uint8Array; labels?: string };
  /** Retries of a failing source (source-retry.ts): backoff (default the camera's `restart`, else 1 s to 30 s) and how often a `still down` line is logged (default 60 s). */
  sourceRetry?: { initialMs?: number; maxMs?: number; stillDownEveryMs?: number };
  /** `model.optimize: auto`: the check's settings (defaults in model-optimize.ts; tests use fewer frames, other thresholds). */
  optimize?: Partial<AutoOptimizeSettings>;
}

/** The fixed chain's two model-specific steps. */
interface Chain {
  preprocess: Preprocess;
  postprocessor: Postprocessor;
}

/** Of a bounded stop, what the flush leaves for the sinks' stop (the MQTT sink's goodbye: status, `offline`), ms. */
const SINK_STOP_RESERVE_MS = 2000;

export class Pipeline {
  readonly name: string;
  state: PipelineState = 'starting';
  readonly stats: PipelineStats;
  /** As configured, then with `board` resolved to the board profile's camera and delegates at start. */
  private config: PipelineConfig;
  private readonly context: PipelineContext;
  private runner: ModelRunner | undefined;
  /** `model.optimize: auto`: converts and checks in the background, then may swap `runner` for one on the int8 model. */
  private optimizer: AutoOptimizer | undefined;
  /** A runner swapped out, finishing its frames. */
  private retiring: Promise<void> | undefined;
  private sinks: PredictionSink[] = [];
  private subscription: Subscription | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private readonly stopSource = new Subject<void>();
  private demand: DemandGate | undefined;
  private source: FrameSource | undefined;
  private sourceRetry: SourceRetry | undefined;
  /** The source failed in a way a retry cannot mend (source-health.ts cannotStartAgain): the supervisor gives up too. */
  gaveUp = false;
  /** Per-frame drop warnings: one line per kind per 10 s, with a count (a broken camera drops every frame). */
  private readonly dropLog = new RepeatLimiter((message) => this.context.logger.log('warn', message));
  private stopping = false;
  private thermal: ThermalMonitor | undefined;
  /** Read per frame: a sink's wantsFrame may change while it runs (the live view asks only while someone watches). */
  private get attachFrames(): boolean {
    return this.sinks.some((sink) => sink.wantsFrame === true);
  }
  /** Set by the pause command: frames are dropped (counted as `paused`) while the source keeps running. */
  private paused = false;
  private postprocessor: Postprocessor | undefined;
  private stages: StageRunner | undefined;
  /** What commands may do to this pipeline (handed to sinks as `SinkContext.control`). */
  readonly control: PipelineControl;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  /** Settles when the stream ends: resolves when the source ran out or the pipeline stopped, rejects on failure. */
  readonly finished: Promise<void>;

  constructor(config: PipelineConfig, context: PipelineContext) {
    this.config = config;
    this.context = context;
    this.name = config.name;
    // Getters: a command reads the pipeline as it is when the command arrives.
    const pipeline = this;
    this.control = pipelineControl({
      name: this.name,
      get state() {
        return pipeline.state;
      },
      get stopping() {
        return pipeline.stopping;
      },
      get paused() {
        return pipeline.paused;
      },
      set paused(value: boolean) {
        pipeline.paused = value;
      },
      get postprocessor() {
        return pipeline.postprocessor;
      },
      postprocessKind: config.postprocess.kind,
      logger: context.logger,
      ...(context.requestReload ? { requestReload: context.requestReload } : {}),
    });
    this.stats = new PipelineStats(config.name);
    this.finished = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // A failure nobody awaits yet must not become an unhandled rejection: the supervisor reads `state`.
    this.finished.catch(() => undefined);
  }

  /** Frames gate stages let skip inference, all reasons (a skip is not a drop: `stats.dropped` leaves them out). */
  get skipped(): number {
    return this.stages?.skipped ?? 0;
  }

  get delegate(): string {
    return this.runner?.delegate ?? 'none';
  }

  /** The delegates the model runner refused, and why (empty before start). */
  get refusedDelegates(): ReadonlyArray<{ delegate: string; stage: string; reason: string }> {
    return this.runner?.refused ?? [];
  }

  /** The configuration it runs (with the board profile applied once started). */
  get settings(): PipelineConfig {
    return this.config;
  }

  /** Loads the model (probed in a child process first), builds the stages and starts the source. */
  async start(): Promise<void> {
    this.config = await applyBoardDefaults(this.config);
    const { config, context } = this;
    const model = await loadVerifiedModel(config.model.file, {
      ...(context.files?.model ? { bytes: context.files.model } : {}),
      ...(context.runtime.library ? { library: context.runtime.library } : {}),
      ...(context.runtime.cacheDir ? { cacheDir: `${context.runtime.cacheDir}/probe` } : {}),
    });
    const startRunner = (on: Model): Promise<ModelRunner> => ModelRunner.start({
      model: on,
      delegates: config.model.delegates,
      threads: config.model.threads,
      pool: config.model.pool,
      health: config.model.health,
      state: config.model.state,
      ...(context.descriptors ? { descriptors: context.descriptors } : {}),
      ...(context.runtime.cacheDir ? { cacheDir: `${context.runtime.cacheDir}/delegates` } : {}),
      onDelegateChange: (change) =>
        context.logger.log('warn', `pipeline ${this.name}: delegate ${change.from} -> ${change.to}`, { reason: change.reason }),
    });
    const runner = await startRunner(model);
    this.runner = runner;
    this.thermal = ThermalMonitor.acquire(context.runtime.thermal);
    try {
      // A hot SoC throttles from the first frame on, and the first stats line has the temperature.
      await this.thermal.refresh();
      const chain = await this.buildChain(model, runner);
      const modelInput = this.regions ? cropInputSize(config, runner.inputs[runner.frameInput]!) : undefined;
      this.postprocessor = chain.postprocessor;
      const warn = (message: string): void => context.logger.log('warn', message);
      this.sinks = [...config.sinks.map((sink) => createSink(this.name, sink, { warn, control: this.control, stats: () => this.peek() })), ...(context.extraSinks?.(this.name) ?? [])];
      for (const sink of this.sinks) await sink.start();
      this.stages = new StageRunner([...createStages(config), ...(context.extraStages?.(this.name) ?? [])], {
        pipeline: this.name,
        logger: context.logger,
        emit: (event) => {
          for (const sink of this.sinks) sink.event?.(event);
        },
        counts: (snapshot) => {
          for (const sink of this.sinks) sink.zoneCounts?.(snapshot);
        },
        drop: (reason) => this.stats.drop(reason),
        warn: (key, message) => this.dropLog.log(key, message),
        openModel: (spec) => openSecondaryModel(spec, { pipeline: config, runtime: context.runtime, logger: context.logger, ...(context.descriptors ? { descriptors: context.descriptors } : {}) }),
        ...(modelInput ? { modelInput } : {}),
      });
      await this.stages.start();
      this.run(model, runner, chain);
      if (config.model.optimize === 'auto') this.startOptimizer(model, runner, startRunner);
    } catch (error) {
      await this.stages?.stop();
      // Sinks started before the failing one hold resources (an MQTT outbox lock): a restart must find them free.
      await Promise.all(this.sinks.map((sink) => sink.stop().catch(() => undefined)));
      runner.stop();
      this.thermal.release();
      this.thermal = undefined;
      throw error;
    }
    context.logger.log('info', `pipeline ${this.name}: running on ${runner.delegate}`, {
      model: config.model.file,
      threads: runner.threads,
      pool: runner.size,
      refused: runner.refused.map((r) => `${r.delegate} (${r.stage}): ${r.reason}`),
      ...(this.postprocessor?.scores ? { scores: this.postprocessor.scores } : {}),
    });
  }

  /** `motion.detect_on: regions` on a detector: frames with motion may be inferred as crops. */
  private get regions(): boolean {
    return this.config.motion?.enabled === true && this.config.motion.detectOn === 'regions' && cropMerge(this.config) !== undefined;
  }

  private startOptimizer(model: Model, runner: ModelRunner, startRunner: (on: Model) => Promise<ModelRunner>): void {
    const { config, context } = this;
    this.optimizer = new AutoOptimizer({
      pipeline: this.name,
      model,
      delegates: config.model.delegates,
      threads: runner.threads,
      ...(context.descriptors ? { descriptors: context.descriptors } : {}),
      cacheRoot: defaultCacheRoot(context.runtime.cacheDir),
      ...(context.runtime.library ? { library: context.runtime.library } : {}),
      ...(context.runtime.cacheDir ? { probeCacheDir: `${context.runtime.cacheDir}/probe` } : {}),
      logger: context.logger,
      settings: { ...DEFAULT_AUTO_OPTIMIZE, ...context.optimize },
      current: () => this.runner!,
      startRunner,
      swap: (next) => {
        if (this.stopping || this.state !== 'running') return false;
        const old = this.runner!;
        this.runner = next;
        this.retiring = old.retire();
        return true;
      },
    });
    this.optimizer.start();
  }

  private async buildChain(model: Model, runner: ModelRunner): Promise<Chain> {
    const preprocess = buildPreprocess(this.config, model, runner);
    const context = await postprocessContext(model, this.config.model.labels, this.config.model.labelOffset, model.name, this.context.files?.labels);
    const postprocessor = createPostprocessor(this.config.postprocess, runner.outputs, context);
    const track = this.config.track;
    const trackProblems = [
      ...(track ? trackClassProblems(track, context.labels, context.labelOffset, model.name) : []),
      ...(track ? cascadeClassProblems(this.config.cascade ?? [], context.labels, context.labelOffset, model.name) : []),
      ...zoneClassProblems(this.config, context.labels, context.labelOffset, model.name),
    ];
    if (trackProblems.length > 0) {
      throw new EdgepipeError('ERR_TRACK_CLASS', `pipeline ${this.config.name}: ${trackProblems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
    }
    return { preprocess, postprocessor };
  }

  private run(model: Model, runner: ModelRunner, chain: Chain): void {
    const { config, stats } = this;
    const stages = this.stages!;
    const input = runner.inputs[runner.frameInput]!;
    const slotCount = runner.size + 1;
    const staging = Array.from({ length: slotCount }, () => typedView(input.dtype as Dtype, new ArrayBuffer(input.bytes)));
    const sha256 = createHash('sha256').update(model.bytes).digest('hex');
    const merge = this.regions ? cropMerge(config) : undefined;
    const cropTensors = merge ? new CropTensors(input, slotCount * (config.motion?.maxRegions ?? 1)) : undefined;
    let seen = 0;
    let lastAcceptedMs = -Infinity;
    const minIntervalMs = config.maxFps > 0 ? 1000 / config.maxFps : 0;
    const drop = (reason: DropReason, frame: Frame, error?: unknown): void => {
      stats.drop(reason);
      if (error !== undefined) this.dropLog.log(reason, `pipeline ${this.name}: frame ${frame.id} dropped (${reason}): ${(error as Error).message}`);
    };

    const demand = new DemandGate();
    this.demand = demand;
    // The camera's decoder resizes to the model's size when nothing reads the full frame (decoder-resize.ts).
    const decode = decoderResize(config, input, { sinks: this.sinks, extraStages: this.context.extraStages !== undefined });
    const decodeTo = 'width' in decode ? decode : undefined;
    if (decodeTo) this.context.logger.log('info', `pipeline ${this.name}: the decoder resizes frames to ${decodeTo.width}x${decodeTo.height}`);
    let retry: SourceRetry | undefined;
    const source = createSource(this.name, config.source, {
      warn: (message: string) => (retry ? retry.warn(message) : this.context.logger.log('warn', message)),
      demand: () => demand.wait(),
      // The pipeline retries the source (SourceRetry), with the model kept: a camera's own supervisor gives up after
      // one run without a frame instead of five, so the two retry layers do not multiply.
      maxEmptyRuns: 1,
      ...(decodeTo ? { decodeTo } : {}),
    });
    let permanent: Error | undefined;
    retry = new SourceRetry(source, {
      logger: this.context.logger,
      backoff: sourceBackoff(config.source, this.context.sourceRetry),
      ...(this.context.sourceRetry?.stillDownEveryMs !== undefined ? { stillDownEveryMs: this.context.sourceRetry.stillDownEveryMs } : {}),
      onChange: (change) => this.notice(change),
      permanent: (error) => {
        if (!cannotStartAgain(config.source, error)) return false;
        permanent = error;
        return true;
      },
    });
    this.source = source;
    this.sourceRetry = retry;
    this.subscription = retry
      .frames()
      .pipe(
        takeUntil(this.stopSource),
        tap(() => {
          stats.framesIn += 1;
        }),
        filter((frame: Frame) => {
          if (this.paused) {
            drop('paused', frame);
            return false;
          }
          seen += 1;
          if ((seen - 1) % config.every !== 0) {
            drop('every', frame);
            return false;
          }
          const now = performance.now();
          if (now - lastAcceptedMs < minIntervalMs) {
            drop('max_fps', frame);
            return false;
          }
          const hotFps = this.thermal?.maxFps;
          if (hotFps !== undefined && now - lastAcceptedMs < 1000 / hotFps) {
            drop('thermal', frame);
            return false;
          }
          lastAcceptedMs = now;
          return stages.admit(frame);
        }),
        scheduleFrames<Prepared, Inferred>({
          buffer: config.buffer,
          slots: slotCount,
          maxInFlight: () => this.runner!.size,
          onDrop: drop,
          stopping: () => this.stopping,
          onRoom: (hasRoom) => demand.update(hasRoom),
          stages: {
            preprocess: async (frame, slot) => {
              const start = performance.now();
              const boxes = cropTensors ? stages.cropsOf(frame) : undefined;
              const crops = boxes ? await preprocessCrops(frame.payload, boxes, chain.preprocess, staging[slot]!, cropTensors!) : undefined;
              const geometry = crops ? crops[0]!.geometry : await chain.preprocess(frame.payload, staging[slot]!);
              const end = performance.now();
              this.optimizer?.offer(staging[slot]!);
              return { slot, frame, geometry, queueMs: start - frame.capturedMonoMs, preprocessMs: end - start, preparedMonoMs: end, ...(crops ? { crops } : {}) };
            },
            infer: (prepared, releaseSlot) =>
              inferFrame(prepared, releaseSlot, {
                pipeline: this.name,
                // Read per frame: model.optimize auto may swap the runner while the pipeline runs.
                runner: this.runner!,
                staging,
                postprocessor: chain.postprocessor,
                model: { file: config.model.file, sha256 },
                stats,
                dropLog: this.dropLog,
                paused: () => this.paused,
                attachFrames: this.attachFrames,
                ...(merge && cropTensors ? { crops: { tensors: cropTensors, merge } } : {}),
              }),
          },
        }),
      )
      .subscribe({
        next: ({ prediction, frame }: Inferred) => {
          // A frame that finished between infer() and here after a pause: no prediction once pause has answered.
          if (this.paused) return stats.drop('paused');
          const delivered = stages.process(prediction, frame);
          if (delivered === undefined) return;
          // Here, not in the infer step: frames_out counts what the sinks got, not what a stage or a pause dropped.
          stats.record(prediction.latencyMs);
          for (const sink of this.sinks) sink.write(delivered);
        },
        error: (error: unknown) => {
          this.state = 'failed';
          this.gaveUp = error === permanent;
          // Logged once, by the supervisor that retries it (`failed (attempt n): ...; retrying in ...`).
          this.settle.reject(error);
        },
        complete: () => {
          if (!this.stopping) this.state = 'ended';
          this.settle.resolve();
        },
      });
    this.state = 'running';
    if (config.statsIntervalS > 0) {
      this.statsTimer = setInterval(() => this.context.onStats?.(this.report()), config.statsIntervalS * 1000);
      this.statsTimer.unref();
    }
  }

  /** Tells the configured sinks about a service event (a reload's outcome). */
  notice(notice: ServiceNotice): void {
    for (const sink of this.sinks) sink.notice?.(notice);
  }

  /** The stats line's report: fps since the previous report(), which starts a new window. */
  report(): StatsReport {
    return this.reportWith(true);
  }

  /** The same report without starting a new fps window: for metrics and the MQTT stats topic. */
  peek(): StatsReport {
    return this.reportWith(false);
  }

  private reportWith(advance: boolean): StatsReport {
    // Only the configured sinks: the extra ones (metrics, the demo's console, tests) are the observers.
    const sinks = Object.fromEntries(this.sinks.slice(0, this.config.sinks.length).map((sink) => [sink.name, sink.stats()]));
    const source = sourceHealth(this.source?.health?.(), this.sourceRetry);
    const report = this.stats.report(this.state, this.delegate, this.runner?.failovers ?? 0, source, this.thermal?.current, sinks, advance);
    const age = this.sourceRetry?.lastFrameAgeMs();
    const withAge = age === undefined ? report : { ...report, lastFrameAgeMs: Math.round(age) };
    const counters = this.stages?.counters;
    const withSkips = {
      ...withAge,
      ...(this.stages?.gating ? { skipped: { ...this.stages.skips } } : {}),
      ...(counters ? { stages: counters } : {}),
      ...(this.optimizer ? { optimize: this.optimizer.status } : {}),
    };
    return this.paused ? { ...withSkips, paused: true } : withSkips;
  }

  /**
   * Stops the source, finishes frames in flight (waiting ones are dropped and counted), flushes the sinks. With
   * `timeoutMs` (the service's stop budget), all within it: each step gets what the earlier ones left, the flush
   * leaves 2 s for the sinks' stop, and a sink still flushing then is stopped anyway (MQTT keeps the rest in its
   * outbox).
   */
  async stop(timeoutMs?: number): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return this.finished.catch(() => undefined);
    const deadline = new Deadline(timeoutMs ?? Infinity);
    const bounded = async (work: Promise<unknown>, ms: number): Promise<void> => void (timeoutMs === undefined ? await work : await within(work, ms));
    const wasRunning = this.subscription !== undefined;
    this.stopping = true;
    this.state = 'stopping';
    this.stopSource.next();
    this.demand?.close();
    // Before the frames in flight finish: a check still running competes with them for the CPU.
    await bounded(this.optimizer?.stop() ?? Promise.resolve(), deadline.left());
    if (wasRunning) await bounded(this.finished.catch(() => undefined), deadline.left());
    this.subscription?.unsubscribe();
    clearInterval(this.statsTimer);
    // Before the sinks flush: a stage's last events (tracks ending at stop) still reach them.
    await bounded(this.stages?.stop() ?? Promise.resolve(), deadline.left());
    if (timeoutMs === undefined) {
      for (const sink of this.sinks) {
        await sink.flush();
        await sink.stop();
      }
    } else {
      await bounded(Promise.all(this.sinks.map((sink) => sink.flush())), deadline.left() - SINK_STOP_RESERVE_MS);
      await bounded(Promise.all(this.sinks.map((sink) => sink.stop(deadline.left()))), deadline.left());
    }
    this.runner?.stop();
    await bounded(this.retiring ?? Promise.resolve(), deadline.left());
    this.thermal?.release();
    this.thermal = undefined;
    this.dropLog.flush();
    this.state = 'stopped';
    this.settle.resolve();
    this.context.onStats?.(this.report());
  }
}

/**
 * Runs a pipeline's stages (src/stages) around the fixed chain: their gates before inference, their result hooks
 * after postprocess, their start and stop. Counts what the gates skip, by reason; without stages it passes every
 * frame and prediction through untouched.
 */
import type { CountsSnapshot, TrackEvent } from '../core/events.js';
import type { Frame, Prediction } from '../core/frame.js';
import type { Logger } from '../core/log.js';
import type { Box } from '../core/result.js';
import type { DropReason } from '../core/stats-report.js';
import type { GateView, Stage, StageContext } from '../stages/types.js';

export interface StageRunnerOptions {
  pipeline: string;
  logger: Logger;
  /** Where the stages' events go: the pipeline's sinks. */
  emit: (event: TrackEvent) => void;
  /** Where the stages' zone counts go: the pipeline's sinks. */
  counts: (snapshot: CountsSnapshot) => void;
  /** Counts a prediction a result stage could not take. */
  drop: (reason: DropReason) => void;
  /** Rate-limited warnings: one line per key per interval, with a count. */
  warn: (key: string, message: string) => void;
  /** Opens second models for the stages (cascades); absent: stages cannot (StageContext.openModel). */
  openModel?: StageContext['openModel'];
  /** The model's image input in source pixels, for gates that plan crops (StageContext.modelInput). */
  modelInput?: StageContext['modelInput'];
}

export class StageRunner {
  /** Frames the gates let skip inference, by reason. */
  readonly skips: Record<string, number> = {};
  private readonly gates: readonly Stage[];
  private readonly results: readonly Stage[];
  private readonly started: Stage[] = [];
  private readonly view: { latest: Prediction | undefined } = { latest: undefined };
  private lastProcessedMonoMs = -Infinity;
  /** Crops a gate asked for, by admitted frame (a WeakMap: a frame dropped before inference takes them with it). */
  private readonly crops = new WeakMap<Frame, readonly Box[]>();

  constructor(
    private readonly stages: readonly Stage[],
    private readonly options: StageRunnerOptions,
  ) {
    const names = new Set<string>();
    for (const stage of stages) {
      if (names.has(stage.name)) throw new Error(`pipeline ${options.pipeline}: two stages are named "${stage.name}"; stage names must be unique`);
      names.add(stage.name);
    }
    this.gates = stages.filter((stage) => stage.gate !== undefined);
    this.results = stages.filter((stage) => stage.process !== undefined);
  }

  /** True when some stage gates frames: the stats report then carries `skipped` (empty until a frame is skipped). */
  get gating(): boolean {
    return this.gates.length > 0;
  }

  /** The counters of the stages that keep some, by stage name; undefined when none does. */
  get counters(): Record<string, Record<string, number>> | undefined {
    const counted = this.stages.filter((stage) => stage.counters !== undefined);
    if (counted.length === 0) return undefined;
    return Object.fromEntries(counted.map((stage) => [stage.name, { ...stage.counters!() }]));
  }

  /** Frames skipped, all reasons. */
  get skipped(): number {
    return Object.values(this.skips).reduce((a, b) => a + b, 0);
  }

  /** Starts the stages in order; a failure rejects after stopping those already started. */
  async start(): Promise<void> {
    for (const [i, stage] of this.stages.entries()) {
      this.started.push(stage);
      // A stage's events pass the later stages' decorate hooks (a cascade adds its results to track_end).
      const later = this.stages.slice(i + 1).filter((s) => s.decorate !== undefined);
      await stage.start?.({
        pipeline: this.options.pipeline,
        logger: this.options.logger,
        emit: (event) => this.options.emit(later.reduce((e, s) => s.decorate!(e), event)),
        counts: (snapshot) => this.options.counts(snapshot),
        ...(this.options.openModel ? { openModel: this.options.openModel } : {}),
        ...(this.options.modelInput ? { modelInput: this.options.modelInput } : {}),
      });
    }
  }

  /** Stops the started stages, last first; a stage that fails to stop is logged and the others still stop. */
  async stop(): Promise<void> {
    for (const stage of this.started.splice(0).reverse()) {
      try {
        await stage.stop?.();
      } catch (error) {
        this.options.logger.log('warn', `pipeline ${this.options.pipeline}: stage ${stage.name} failed to stop: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Whether `frame` goes on to inference: the first gate that says no decides, and its reason is counted. The
   * crops a gate asked for are then `cropsOf(frame)`.
   */
  admit(frame: Frame): boolean {
    const view: GateView = this.view;
    let crops: readonly Box[] | undefined;
    for (const stage of this.gates) {
      let decision;
      try {
        decision = stage.gate!(frame, view);
      } catch (error) {
        // Fail open: a broken gate must not blind the camera; the frame costs an inference instead.
        this.options.warn(`gate:${stage.name}`, `pipeline ${this.options.pipeline}: stage ${stage.name} gate failed on frame ${frame.id}, inferring it: ${(error as Error).message}`);
        continue;
      }
      if (!decision.infer) {
        this.skips[decision.reason] = (this.skips[decision.reason] ?? 0) + 1;
        return false;
      }
      if (decision.crops && decision.crops.length > 0) crops = decision.crops;
    }
    if (crops) this.crops.set(frame, crops);
    return true;
  }

  /** The crops (source pixels) a gate asked `frame` to be inferred as; undefined: the whole frame. */
  cropsOf(frame: Frame): readonly Box[] | undefined {
    return this.crops.get(frame);
  }

  /**
   * The prediction for the sinks after the result stages, or undefined when it is dropped (counted): a stage
   * threw, or it finished after a later frame's (pool > 1), which stateful stages cannot take.
   */
  process(prediction: Prediction, frame: Frame): Prediction | undefined {
    if (this.results.length === 0) {
      this.view.latest = prediction;
      return prediction;
    }
    if (frame.capturedMonoMs < this.lastProcessedMonoMs) {
      this.options.drop('out_of_order');
      return undefined;
    }
    this.lastProcessedMonoMs = frame.capturedMonoMs;
    let current = prediction;
    for (const stage of this.results) {
      try {
        current = stage.process!(current, frame);
      } catch (error) {
        this.options.drop('stage_error');
        this.options.warn(`process:${stage.name}`, `pipeline ${this.options.pipeline}: frame ${frame.id} dropped (stage ${stage.name}): ${(error as Error).message}`);
        return undefined;
      }
    }
    this.view.latest = current;
    return current;
  }
}

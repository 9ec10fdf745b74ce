/**
 * The shape of a pipeline's stats report and of the counters it gathers from sources, sinks and the thermal
 * monitor. Here, below the stages, because the pipeline fills it and the sinks publish it (MQTT's stats topic):
 * defined in either, it would make the two import each other.
 */
import type { StageLatency } from './frame.js';

export type DropReason =
  | 'buffer'
  /** `latest`: preprocessed, then overtaken by a newer frame before an interpreter was free. */
  | 'stale'
  | 'every'
  | 'max_fps'
  | 'thermal'
  | 'preprocess_error'
  | 'infer_error'
  | 'infer_timeout'
  | 'postprocess_error'
  | 'stopping'
  /** Frames that arrived (or finished) while the pipeline was paused by a command. */
  | 'paused'
  /** A result stage (src/stages) threw on the prediction: it is not published. */
  | 'stage_error'
  /**
   * A prediction that finished after a later frame's (model.pool > 1) when result stages are configured: they keep
   * per-frame state (tracks) and see frames in capture order only.
   */
  | 'out_of_order';

export interface StatsReport {
  pipeline: string;
  state: string;
  intervalS: number;
  framesIn: number;
  framesOut: number;
  fpsIn: number;
  fpsOut: number;
  drops: Partial<Record<DropReason, number>>;
  /**
   * Frames a gate stage (src/stages, e.g. motion) let skip inference, by the gate's reason. A skip is not a drop:
   * the frame was looked at and judged not worth an inference. Present only when the pipeline has gate stages.
   */
  skipped?: Record<string, number>;
  /**
   * Counters of the stages that keep some, by stage name (`motion`: frames, framesWithMotion, areaSum...), since
   * this pipeline instance started. Present only when a stage counts.
   */
  stages?: Record<string, Record<string, number>>;
  latencyMs: Record<keyof StageLatency, { p50: number; p99: number }>;
  delegate: string;
  failovers: number;
  /**
   * Supervised sources (cameras, sensors), and any source once it has failed: state, restarts (the engine's
   * re-subscriptions included), corrupt frames and downtime (counted while down, the current outage included).
   */
  source?: SourceHealth;
  /** Milliseconds since the source's last frame (absent before the first): a frozen or dead input shows here. */
  lastFrameAgeMs?: number;
  /** The SoC temperature, when the machine has readable thermal zones, and whether pipelines are throttled. */
  thermal?: ThermalReading;
  /** Each configured sink's counters, by sink name (`door/mqtt`): written, dropped, pending (the outbox depth). */
  sinks?: Record<string, SinkStats>;
  /** Present while the pipeline is paused by a command. */
  paused?: true;
  /** `model.optimize: auto` only: whether the pipeline runs the converted int8 model, and why (src/pipeline/model-optimize.ts). */
  optimize?: OptimizeStatus;
}

/** Where a model landed on the pipeline's delegate chain. */
export interface DelegateNodes {
  delegate: string;
  nodes: number;
  totalNodes: number;
}

/** What `model.optimize: auto` did: checking (the original runs meanwhile), switched (`optimised`) or kept `original`. */
export interface OptimizeStatus {
  state: 'checking' | 'optimised' | 'original';
  /** The converted model came from the cache (`hit`), was converted now (`miss`), or the cache is unusable (`off`). */
  cache?: 'hit' | 'miss' | 'off';
  /** Why the original is kept (state `original`). */
  reason?: string;
  /** The delegate chain with the original and with the converted model. */
  before?: DelegateNodes;
  after?: DelegateNodes;
  /** Agreement of the two models' outputs, 0..1 (top-1, matched boxes, pixels: see docs/optimize.md). */
  agreement?: number;
  /** What the agreement counted, e.g. `8 of 8 inputs with the same top-1 class`. */
  agreementDetails?: string;
  /** Inputs compared, and where they came from: the pipeline's frames, calibration images or synthetic inputs. */
  inputs?: number;
  inputSource?: 'frames' | 'images' | 'synthetic';
  /** Invoke p50 of each model during the check, ms (alternating, a few runs: indicative). */
  invokeMs?: { before: number; after: number };
}

export interface SinkStats {
  /** Predictions delivered: on disk (file), taken by the OS (stdout), acknowledged (mqtt). */
  written: number;
  /** Predictions refused (queue full, written before start or after stop) or given up at stop. */
  dropped: number;
  /** Failed attempts (a write, an open, a rotation); each is retried, so errors do not lose accepted lines. */
  errors: number;
  /** Accepted, not yet written. written + dropped + pending = every write() call. */
  pending: number;
  /** The latest error's one-line message, if there was one. */
  lastError?: string;
}

/** Lifecycle of a supervised source, as the engine reports it. */
export type SourceState = 'starting' | 'running' | 'restarting' | 'failed' | 'ended';

/** How a supervised source is doing, for the pipeline's stats. */
export interface SourceHealth {
  state: SourceState;
  /** Producer restarts (deaths and stalls). */
  restarts: number;
  /** Frames that arrived broken and were skipped. */
  corruptFrames: number;
  /** Time without frames while the producer was restarting, ms. */
  downtimeMs: number;
  /**
   * Sensor sources: samples read, missing values filled, windows dropped for too many missing values, samples
   * discarded because the producer restarted before they made a window.
   */
  series?: { samples: number; filledValues: number; incompleteWindows: number; discardedAtRestart: number };
}

export interface ThermalReading {
  celsius: number;
  /** thermal_zone type that gave it (the hottest of those watched). */
  zone: string;
  throttling: boolean;
}

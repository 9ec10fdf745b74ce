/**
 * The contract between the engine and the sinks that receive predictions. A sink never blocks the pipeline:
 * `write` hands over and returns; the sink buffers within a bound, writes on its own schedule and counts what
 * it had to drop. The MQTT sink (per-message acknowledgements, a disk outbox) fits the same shape: `write`
 * returns nothing and the sink tracks each message itself; `written` then counts acknowledged messages.
 */
import type { TrackEvent } from '../core/events.js';
import type { Prediction } from '../core/frame.js';
import type { CountsSnapshot } from '../zones/counts.js';
import type { PipelineControl } from '../commands/control.js';
import type { SinkStats, StatsReport } from '../core/stats-report.js';

export type { SinkStats };

/**
 * Receives predictions. Lifecycle: start() -> write()* -> flush()? -> stop(). write() must not block the
 * pipeline: bounded internal buffering, drops counted. stop() flushes what was accepted, then releases.
 */
export interface PredictionSink {
  readonly kind: string;
  /** `<pipeline>/<kind>`, e.g. `door/file`: used in warnings and errors. */
  readonly name: string;
  /** Set when write() needs `Prediction.frame` (snapshots); the pipeline attaches it only then. Read per frame: may change. */
  readonly wantsFrame?: boolean;
  /**
   * Service events the sink may publish besides predictions (the MQTT sink puts the last reload's outcome on the
   * pipeline's status topic). Optional; never throws, never waits.
   */
  notice?(notice: ServiceNotice): void;
  /**
   * A track event (zone enter/leave, line crossing, loitering, the tracker's lifecycle; src/events/types.ts).
   * Optional so sinks without it keep working (the pipeline skips them). Like write(): serialised at once, never
   * throws, never waits, drops counted; file and stdout write it as a line among the predictions, MQTT on the
   * events topic through the events outbox.
   */
  event?(event: TrackEvent): void;
  /**
   * The zone and line counts now (zones/counts.ts), after an update that changed them: state, not history (MQTT
   * publishes them retained, one topic per zone). Optional; never throws, never waits.
   */
  zoneCounts?(snapshot: CountsSnapshot): void;
  /** Prepares the target (folders, file handle). Rejects with an EdgepipeError naming the sink if it is unusable. */
  start(): Promise<void>;
  /**
   * Accepts the prediction (serialised at once, so the caller may reuse it) or drops it, counted. Never throws,
   * never waits. Writes before start() or after stop() are dropped.
   */
  write(prediction: Prediction): void;
  /**
   * Waits until everything accepted before the call has been delivered (file: written and fsync'd), at most the
   * sink's flush timeout: true when it was, false when the time ran out first (a failing disk, a stalled reader;
   * the lines stay queued and are still retried).
   */
  flush(): Promise<boolean>;
  /**
   * Stops accepting, flushes (at most the sink's stop timeout, then counts the rest as dropped) and releases
   * handles and listeners. Idempotent: later calls return the same promise. `timeoutMs`: the time left of the
   * service's stop budget; a sink that can bound its stop (MQTT) takes no longer, the others may ignore it.
   */
  stop(timeoutMs?: number): Promise<void>;
  stats(): SinkStats;
}

/** An event told to a pipeline's sinks: a reload of the service, or a change of the pipeline's source. */
export type ServiceNotice = ReloadNotice | SourceNotice;

/** A reload's outcome, told to every pipeline's sinks. */
export interface ReloadNotice {
  kind: 'reload';
  ok: boolean;
  /** One line: what changed, or why nothing did (with the first problem's file:line:col). */
  message: string;
  atMs: number;
}

/** The pipeline's source went down (failed, being retried) or came up (frames again): once per change. */
export interface SourceNotice {
  kind: 'source';
  state: 'up' | 'down';
  /** When the change happened, wall-clock ms. */
  atMs: number;
  /** The last frame's time, wall-clock ms (absent before the first frame). */
  lastFrameMs?: number;
  /** down: why (the source's error, without its name). */
  error?: string;
}

/** What a sink may need from its surroundings. */
export interface SinkContext {
  /** Non-fatal problems (a write failing, recovering). Default: one line on stderr. */
  warn?: (message: string) => void;
  /** The pipeline's controls, for a sink that carries commands (MQTT). */
  control?: PipelineControl;
  /** The pipeline's current stats, for a sink that publishes them (MQTT's stats topic). */
  stats?: () => StatsReport;
}

/**
 * What a command may do to one pipeline. `Pipeline.control` implements it; the dispatcher only sees this
 * interface, so tests and other hosts (the lead's MQTT wiring) need nothing else.
 */
import type { ThresholdSetting, ThresholdState } from '../postprocess/threshold.js';

export type { ThresholdSetting, ThresholdState };

/** Error codes of a command response (schema/command-response.schema.json lists the same). */
export type CommandErrorCode =
  | 'invalid_json'
  | 'invalid_request'
  | 'unknown_command'
  | 'invalid_argument'
  | 'too_large'
  | 'rate_limited'
  | 'busy'
  | 'not_applicable'
  | 'not_running'
  | 'unavailable'
  | 'failed'
  | 'internal';

export interface CommandError {
  code: CommandErrorCode;
  /** One line naming the field, the value received and what was expected. */
  message: string;
}

/** The pipeline as a command response reports it. */
export interface PipelineControlState {
  pipeline: string;
  /** The pipeline's lifecycle state (`running`, `starting`, ...). */
  state: string;
  /** True between a pause and a resume: frames are dropped (counted as `paused`), the source keeps running. */
  paused: boolean;
  /** The threshold in force, for postprocessors that have one. */
  threshold?: ThresholdState;
}

export type ControlOutcome = { ok: true; message?: string } | { ok: false; error: CommandError };

export interface PipelineControl {
  /** Idempotent. Predictions stop at once: frames in flight finish but are dropped, counted as `paused`. */
  pause(): ControlOutcome;
  /** Idempotent. The next frame from the (still running) source is processed. */
  resume(): ControlOutcome;
  /** Applies from the next frame; lost at a restart (the config's value is the default). */
  setThreshold(setting: ThresholdSetting): ControlOutcome;
  /** Publishes a snapshot; absent when no renderer is wired (answered `unavailable`). */
  snapshot?(): Promise<ControlOutcome>;
  /** Reloads the configuration like SIGHUP and reports its outcome; absent when the host cannot reload. */
  reload?(): Promise<{ ok: boolean; message: string }>;
  state(): PipelineControlState;
}

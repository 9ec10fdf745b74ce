/**
 * The one shape of a pipeline stage besides the fixed chain (source, preprocess, inference, postprocess, sinks).
 * A stage is a folder on the stages floor (src/motion, src/tracking, src/zones, ...) that exports a factory
 * returning a `Stage`, and one line in src/stages/index.ts; it imports only src/core and libraries, never
 * src/pipeline or another stage (test/architecture/dependencies.test.ts).
 *
 * A stage has up to two hooks:
 * - `gate`, before inference: sees every frame the pipeline accepted (after `every`, `max_fps`, `thermal` and
 *   `paused`), in capture order, and may let it skip preprocessing and inference, with a reason that is counted
 *   (stats `skipped`, /metrics `edgepipe_frames_skipped_total`). Motion gating is a gate.
 * - `process`, after postprocess: gets each prediction with its frame, in capture order, before the sinks, and
 *   returns the prediction the sinks get (with `analytics` fields added, e.g. tracks). It may hold per-pipeline
 *   state and tell the sinks about events (`StageContext.emit`). Tracking and zones are result stages; a cascade
 *   (a second model on crops) is one that keeps its own bounded background work and attaches cached results.
 *
 * Both hooks are synchronous and run on the event loop for every frame: they must be cheap and bounded (a motion
 * check on a small grey copy, a tracker update: well under a millisecond). Work that takes longer (a second model)
 * runs in the stage's own background, bounded and counted by the stage, and never holds up the frame.
 */
import type { CountsSnapshot, TrackEvent } from '../core/events.js';
import type { Frame, ImagePayload, Prediction } from '../core/frame.js';
import type { Logger } from '../core/log.js';
import type { Box, ScoredClassResult } from '../core/result.js';

/** A gate's verdict on one frame. */
export type GateDecision =
  /**
   * `crops` (source pixels, inside the frame): infer each crop instead of the whole frame, one inference each,
   * and merge their detections into the frame's one prediction (motion `detect_on: regions`; detectors only).
   */
  | { infer: true; crops?: readonly Box[] }
  /**
   * Skip preprocessing and inference for this frame; no prediction is made. `reason`: snake_case, a few stable
   * values per gate (`no_motion`), the label of the skip counter.
   */
  | { infer: false; reason: string };

/** What a gate may read besides the frame. */
export interface GateView {
  /**
   * The latest prediction handed to the sinks (after the result stages), undefined before the first: e.g. a
   * motion gate keeps inferring every few seconds while it carries tracks. Read-only; may be from a frame
   * before frames still in inference.
   */
  readonly latest: Prediction | undefined;
}

/** What a stage gets from its pipeline at start. */
export interface StageContext {
  /** The pipeline's name. */
  readonly pipeline: string;
  readonly logger: Logger;
  /** Tells the pipeline's sinks about an event (src/core/events.ts). Never throws, never waits; sinks count what they drop. */
  emit(event: TrackEvent): void;
  /** Tells the sinks the zone and line counts after an update that changed them (state: retained MQTT topics). */
  counts(snapshot: CountsSnapshot): void;
  /**
   * The model's image input in source pixels (width and height swapped for a 90/270 `preprocess.rotate`): what a
   * gate's `crops` are planned for. Absent where the model takes no image.
   */
  readonly modelInput?: { width: number; height: number };
  /**
   * Opens a second model for the stage (cascades): its own interpreter, on the delegate chain with failover and
   * health checks like the pipeline's model, fed by the same preprocessing code. Rejects (failing the pipeline's
   * start) when the model cannot be loaded or takes no image. Absent where no pipeline runs the stage.
   */
  openModel?(spec: SecondaryModelSpec): Promise<SecondaryModel>;
}

/** Which second model to open and how crops become its input. */
export interface SecondaryModelSpec {
  /** The .tflite file. */
  file: string;
  /** A labels file; absent: the labels in the model's metadata. */
  labels?: string;
  labelOffset: number;
  /** Delegate chain, best first; absent: the pipeline's model.delegates. */
  delegates?: readonly string[];
  /** How a crop is fitted to the input size (preprocess.resize). */
  resize: 'fill' | 'contain' | 'cover';
  /** Names the model in messages: `cascade[0]`. */
  field: string;
}

/**
 * A second model, one interpreter: one crop at a time (a call while one runs waits for it). Released by close(),
 * also by the pipeline at stop.
 */
export interface SecondaryModel {
  /** The delegate it runs on now (after failovers). */
  readonly delegate: string;
  readonly failovers: number;
  /**
   * The best class of the model on `region` (pixels of `image`, clipped to it; absent: the whole image). The
   * caller keeps `image` unchanged until the promise settles. Rejects when the invoke fails or times out (the
   * failure counts towards failover) or the image cannot be read.
   */
  classify(image: ImagePayload, region?: Box): Promise<ScoredClassResult>;
  close(): void;
}

export interface Stage {
  /** Names the stage in logs, events and errors (`motion`, `tracking`); unique within a pipeline. */
  readonly name: string;
  /** Prepares the stage before the first frame (timers, buffers). A rejection fails the pipeline's start. */
  start?(context: StageContext): void | Promise<void>;
  /** Before inference: whether this frame is worth an inference. A throw lets the frame through (warned). */
  gate?(frame: Frame, view: GateView): GateDecision;
  /**
   * After postprocess: the prediction the sinks get, usually `prediction` with `analytics` fields added. `frame`
   * (its payload included) is valid during the call only: copy what is kept (a crop for later). A throw drops the
   * prediction (counted as `stage_error`, warned).
   */
  process?(prediction: Prediction, frame: Frame): Prediction;
  /**
   * What the stage counted since it was made, for the stats report (`stages.<name>`), the MQTT stats topic and
   * /metrics (`edgepipe_stage_total{stage,counter}`): counters only (they are summed over restarts), camelCase.
   */
  counters?(): Record<string, number>;
  /**
   * Sees each event an earlier stage emits, before the sinks, and returns the event the sinks get (fields added:
   * the cascade names a track's second-model results in its track_end). Must not throw; cheap, like process.
   */
  decorate?(event: TrackEvent): TrackEvent;
  /** Releases what start() made; called once, after the last frame, also when start() failed half way. */
  stop?(): void | Promise<void>;
}

/**
 * What flows through a pipeline: frames from sources, predictions to sinks. The payload and result shapes are
 * the contract between stages; stages never import each other's internals.
 */
import type { ImageGeometry } from './geometry.js';
import type { Result } from './result.js';

/** Raw pixel formats sources may produce (cameras give YUV; files decode to RGB). */
export type RawPixelFormat = 'rgb24' | 'bgr24' | 'gray8' | 'i420' | 'nv12' | 'yuyv';

export type ImagePayload =
  | { kind: 'encoded'; bytes: Uint8Array }
  | {
      kind: 'raw';
      format: RawPixelFormat;
      width: number;
      height: number;
      data: Uint8Array;
      /**
       * The decoder already resized the frame (`fill`) from this size to `width` x `height`, the model's input size
       * (src/preprocess/decoder-resize.ts): results are in this size's coordinates, as without the resize.
       */
      scaledFrom?: { width: number; height: number };
    };

/**
 * A window of sensor samples (src/sources/series): `steps` x `channels` values, step-major, every gap already
 * filled. Plain numbers in the sensor's units (after its scale and offset); normalisation is the preprocessor's.
 */
export interface SeriesPayload {
  kind: 'series';
  channels: readonly string[];
  steps: number;
  values: Float32Array;
  /** Values that were missing (late, unreadable) and filled with the channel's previous value. */
  filled: number;
}

export type FramePayload = ImagePayload | SeriesPayload;

export interface Frame {
  /** Per source, increasing by one per frame the source produced (gaps mean frames lost upstream). */
  id: number;
  source: string;
  /** performance.now() at capture (monotonic, ms) and Date.now() (wall clock, ms). */
  capturedMonoMs: number;
  capturedWallMs: number;
  payload: FramePayload;
  /** E.g. the file name for an images source. */
  meta: Record<string, string | number>;
}

/** Milliseconds spent per stage for one frame; the stages follow each other, so they add up to `total`. */
export interface StageLatency {
  /** Capture until preprocessing started (time in the buffer). */
  queue: number;
  preprocess: number;
  /** Preprocessing done until the invoke started: waiting for a free interpreter, and the input copy into it. */
  wait: number;
  infer: number;
  postprocess: number;
  /** Capture until the prediction was made for the sinks: the sum of the stages above. */
  total: number;
}

export interface Prediction {
  pipeline: string;
  frameId: number;
  source: string;
  capturedWallMs: number;
  latencyMs: StageLatency;
  model: { file: string; sha256: string };
  delegate: string;
  meta: Record<string, string | number>;
  result: Result;
  /**
   * The image (or sensor window) the result is about, only when a sink asked for it (`PredictionSink.wantsFrame`),
   * e.g. to publish an annotated snapshot. Never serialised. Sinks use it during write() and keep no reference.
   */
  frame?: FramePayload;
  /**
   * Size of the source frame the result's coordinates are in (upright source pixels), from preprocessing: known
   * for every image frame, encoded ones included, so result stages can resolve fraction zones and masks without
   * decoding the image again. Absent for sensor windows. Never serialised.
   */
  frameSize?: { width: number; height: number };
  /** What result stages (src/stages) added: tracks, zone counts. Absent without result stages. */
  analytics?: PredictionAnalytics;
}

/**
 * Fields result stages add to a prediction, one optional field per stage. A stage's folder declares its field by
 * module augmentation, so adding a stage edits no shared file:
 *
 *   declare module '../core/frame.js' { interface PredictionAnalytics { tracks?: Track[] } }
 *
 * The JSON-lines and MQTT serialisers (src/sinks/json-lines.ts) write only the fields they name, and
 * schema/prediction.schema.json is closed (`additionalProperties: false`): a field reaches the output once its
 * serialiser and its schema entry are added, so a new stage never breaks the published contract by accident.
 */
export interface PredictionAnalytics {}

export type { ImageGeometry, Result };

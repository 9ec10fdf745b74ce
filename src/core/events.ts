/**
 * Something a result stage found happened (a track started, an object entered a zone), told to the sinks beside
 * the predictions: an event may happen on a frame that gives no prediction (a track that ends while the motion
 * gate skips inference). The event kinds and their fields are each stage's vocabulary.
 */
export interface PipelineEvent {
  pipeline: string;
  /** The stage that found it (its `name`), e.g. `tracking`. */
  stage: string;
  /** What happened, snake_case, e.g. `track_start`, `zone_enter`. */
  kind: string;
  /** The frame it was found on: its source, id and capture time (Date.now() ms). */
  source: string;
  frameId: number;
  capturedWallMs: number;
  /** The stage's fields: track id, label, zone. Plain JSON values; a sink serialises them as they are. */
  data: Record<string, unknown>;
}

/**
 * A second model's answer about one tracked object (src/cascade): what a track carries in predictions
 * (`tracks[].secondary.<name>`) and its track_end event names. Plain JSON values, snake_case like the tracks.
 */
export interface SecondaryResult {
  /** Class index of the second model's best class. */
  index: number;
  label?: string;
  /** Its score, 0..1. */
  score: number;
  /** The frame the crop was cut from, and that frame's capture time (wall ms since the epoch). */
  frame_id: number;
  at_ms: number;
}

/** Results by cascade name (`colour`, `make`). */
export type SecondaryResults = Record<string, SecondaryResult>;

/**
 * What a postprocessor makes of one invoke, in source-image pixels: the result part of a Prediction. Here, below
 * the stages, because sinks and snapshots read it as much as postprocess writes it.
 */
export interface ScoredClassResult {
  index: number;
  label?: string;
  score: number;
}

/** A box in source-image pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectedObject extends ScoredClassResult {
  box: Box;
}

export interface Keypoint {
  name: string;
  /** Source-image pixels. */
  x: number;
  y: number;
  score: number;
  visible: boolean;
}

export type Result =
  | { kind: 'classify'; classes: ScoredClassResult[] }
  | { kind: 'detect'; objects: DetectedObject[] }
  | { kind: 'pose'; keypoints: Keypoint[] }
  | { kind: 'segment'; classes: Array<ScoredClassResult & { fraction: number }>; mask?: string }
  | { kind: 'scalar'; value: number; anomaly: boolean };

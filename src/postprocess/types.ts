import type { TensorArray } from '../runtime/dtypes.js';
import type { TensorInfo } from '../runtime/tensor.js';
import type { ImageGeometry } from '../preprocess/types.js';

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

/** The output tensors of one invoke, in the interpreter's output order (views valid until the next invoke). */
export interface OutputTensors {
  infos: readonly TensorInfo[];
  values: readonly TensorArray[];
}

export interface Postprocessor {
  /** Turns one invoke's outputs into a result. Must copy what it keeps: the views are reused. */
  run(outputs: OutputTensors, geometry: ImageGeometry | undefined): Result | Promise<Result>;
}

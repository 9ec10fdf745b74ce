import type { TensorArray } from '../runtime/dtypes.js';
import type { TensorInfo } from '../runtime/tensor.js';
import type { ImageGeometry } from '../core/geometry.js';
import type { Result } from '../core/result.js';
import type { ThresholdControl } from './threshold.js';

export type { Box, DetectedObject, Keypoint, Result, ScoredClassResult } from '../core/result.js';

/** The output tensors of one invoke, in the interpreter's output order (views valid until the next invoke). */
export interface OutputTensors {
  infos: readonly TensorInfo[];
  values: readonly TensorArray[];
}

/** Which frame a result belongs to: names files a postprocessor writes (segmentation masks). */
export interface FrameRef {
  /** The frame's id (per source, increasing). */
  id: number;
  /** The pipeline's name ([a-z0-9][a-z0-9_-]*, safe in file names). */
  pipeline: string;
}

export interface Postprocessor {
  /**
   * Turns one invoke's outputs into a result. Must copy what it keeps: the views are reused.
   * `geometry` maps tensor coordinates back to the source image (required by detect and pose);
   * `frame` names files written for this result (segment masks); optional for backward compatibility.
   */
  run(outputs: OutputTensors, geometry: ImageGeometry | undefined, frame?: FrameRef): Result | Promise<Result>;
  /** The threshold a command may change at run time; absent for kinds without one (segment). */
  readonly threshold?: ThresholdControl;
  /** classify: how outputs become scores and why (the postprocess.scores decision), for the start log. */
  readonly scores?: string;
}

/** What the postprocessor factory needs to know about the model besides its outputs. */
export interface PostprocessContext {
  /** Class labels, one per line of the labels file (or the model's packed labels). */
  labels?: readonly string[];
  /** Label line of class 0 (1 for files starting with "background"). */
  labelOffset: number;
  /** The model's file name, for messages. */
  modelName: string;
  /**
   * Per output tensor name, the op that computes it (pass-through ops skipped; see outputProducers in scores.ts).
   * Lets classify tell probabilities (a SOFTMAX at the end) from logits; absent when the graph is not known.
   */
  outputProducers?: ReadonlyMap<string, string>;
}

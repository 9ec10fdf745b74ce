/**
 * Single-person pose from MoveNet (Lightning/Thunder): one output [1,1,17,3] holding, per COCO keypoint, y and x
 * normalised to the input tensor and a confidence score (any numeric dtype, dequantised).
 */
import type { PoseConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import type { ImageGeometry } from '../core/geometry.js';
import { pointToSource, requireGeometry } from './geometry.js';
import { describeOutputs, mismatch } from './mismatch.js';
import { affineOf, isNumeric, realAt, shapeMatches } from './tensor-values.js';
import { ScoreThreshold } from './threshold.js';
import type { Keypoint, OutputTensors, PostprocessContext, Postprocessor, Result } from './types.js';

/** The 17 COCO keypoints in MoveNet's output order. */
export const COCO_KEYPOINTS: readonly string[] = Object.freeze([
  'nose',
  'left_eye',
  'right_eye',
  'left_ear',
  'right_ear',
  'left_shoulder',
  'right_shoulder',
  'left_elbow',
  'right_elbow',
  'left_wrist',
  'right_wrist',
  'left_hip',
  'right_hip',
  'left_knee',
  'right_knee',
  'left_ankle',
  'right_ankle',
]);

/**
 * Keypoints in source pixels (clamped to the image), `visible` when the score is at or above `threshold`.
 * Every keypoint is reported, visible or not, always in COCO order.
 */
export function createPose(config: PoseConfig, outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  const info = outputs[0];
  if (info === undefined || !isNumeric(info) || !shapeMatches(info.shape, [1, 1, COCO_KEYPOINTS.length, 3])) {
    throw mismatch(
      `postprocess.kind: pose needs a MoveNet single-pose first output [1,1,17,3] (y, x, score per COCO keypoint) ` +
        `but ${describeOutputs(context.modelName, outputs)}`,
    );
  }
  const affine = affineOf(info.quantization);

  const threshold = new ScoreThreshold(config.threshold, config.kind);

  function run(tensors: OutputTensors, geometry: ImageGeometry | undefined): Result {
    const g = requireGeometry(geometry, config.kind);
    const values = tensors.values[0]!;
    const keypoints: Keypoint[] = COCO_KEYPOINTS.map((name, k) => {
      const ny = realAt(values, affine, k * 3);
      const nx = realAt(values, affine, k * 3 + 1);
      const score = realAt(values, affine, k * 3 + 2);
      const { x, y } = pointToSource(g, nx, ny);
      return { name, x, y, score, visible: score >= threshold.value };
    });
    return { kind: 'pose', keypoints };
  }
  return { run, threshold };
}

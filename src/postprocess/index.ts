/** Postprocessing: model outputs into results (classes, detections, keypoints, segments, scalars). */
export { createPostprocessor } from './create-postprocessor.js';
export { topK, type ScoredClass } from './classify.js';
export { dequantize } from './dequantize.js';
export { applyScores, decideScores, outputProducers, SCORE_MODES, type ScoreDecision, type ScoreMode, type ScoreTransform } from './scores.js';
export { COCO_KEYPOINTS } from './pose.js';
export { iou, nonMaxSuppression, type Candidate } from './nms.js';
export { POSTPROCESS_MISMATCH } from './mismatch.js';
export type {
  Box,
  DetectedObject,
  FrameRef,
  Keypoint,
  OutputTensors,
  PostprocessContext,
  Postprocessor,
  Result,
  ScoredClassResult,
} from './types.js';

/**
 * Which postprocessor a model's outputs look like: for `edgepipe inspect --suggest` and for `validate`'s hint
 * when the configured kind does not fit. Here, beside the postprocessors, so both can use it.
 */
import type { TensorInfo } from '../runtime/tensor.js';
import { formatShape } from '../runtime/tensor.js';

export type GuessedPostprocess = 'classify' | 'detect-ssd' | 'detect-yolo' | 'pose' | 'segment' | 'scalar';

/** The postprocessor the outputs look like, with the reason (shown as a comment in the skeleton). */
export function guessPostprocess(outputs: readonly TensorInfo[]): { kind: GuessedPostprocess; why: string } {
  const names = outputs.map((o) => o.name);
  if (names.filter((n) => n.startsWith('TFLite_Detection_PostProcess')).length >= 4) {
    return { kind: 'detect-ssd', why: 'four TFLite_Detection_PostProcess outputs (boxes, classes, scores, count)' };
  }
  const first = outputs[0];
  if (!first) return { kind: 'classify', why: 'no outputs (check the model)' };
  const shape = first.shape;
  const elements = shape.reduce((a, b) => a * b, 1);
  const described = `output "${first.name}" ${first.dtype} ${formatShape(shape)}`;
  if (elements === 1) return { kind: 'scalar', why: `${described} holds one value` };
  if (shape.length === 4 && shape[2] === 17 && shape[3] === 3) return { kind: 'pose', why: `${described}: 17 keypoints of (y, x, score)` };
  if ((shape.length === 3 && shape[1]! > 1 && shape[2]! > 1 && (first.dtype === 'int32' || first.dtype === 'int64')) ||
      (shape.length === 4 && shape[1]! > 8 && shape[2]! > 8)) {
    return { kind: 'segment', why: `${described} is a per-pixel map` };
  }
  if (shape.length === 3 && Math.min(shape[1]!, shape[2]!) >= 6 && Math.max(shape[1]!, shape[2]!) > 64) {
    return { kind: 'detect-yolo', why: `${described} looks like rows of box + scores` };
  }
  return { kind: 'classify', why: `${described}: one score per class` };
}

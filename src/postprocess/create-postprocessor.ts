/**
 * The postprocessor factory: checks that the model's outputs fit the configured kind (the `validate` command
 * relies on it) and builds the stage. Throws EdgepipeError ERR_POSTPROCESS_MISMATCH (exit code 2) with a message
 * naming the config field and what the model has.
 */
import type { PostprocessConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { createClassify } from './classify.js';
import { createDetectSsd } from './detect-ssd.js';
import { createDetectYolo } from './detect-yolo.js';
import { trimLabels } from './labels.js';
import { mismatch } from './mismatch.js';
import { createPose } from './pose.js';
import { createScalar } from './scalar.js';
import { createSegment } from './segment.js';
import type { PostprocessContext, Postprocessor } from './types.js';

/**
 * `outputs` are the interpreter's outputs after allocation (real shapes, including those of
 * TFLite_Detection_PostProcess). Labels are used from line `labelOffset` on; trailing empty lines are ignored.
 */
export function createPostprocessor(
  config: PostprocessConfig,
  outputs: readonly TensorInfo[],
  context: PostprocessContext,
): Postprocessor {
  const labels = trimLabels(context.labels);
  const { labels: _, ...rest } = context;
  const ctx: PostprocessContext = labels === undefined ? rest : { ...rest, labels };
  switch (config.kind) {
    case 'classify':
      return createClassify(config, outputs, ctx);
    case 'detect-ssd':
      return createDetectSsd(config, outputs, ctx);
    case 'detect-yolo':
      return createDetectYolo(config, outputs, ctx);
    case 'pose':
      return createPose(config, outputs, ctx);
    case 'segment':
      return createSegment(config, outputs, ctx);
    case 'scalar':
      return createScalar(config, outputs, ctx);
    default: {
      const kind: unknown = (config as { kind: unknown }).kind;
      throw mismatch(`postprocess.kind: unknown kind ${JSON.stringify(kind)} (classify, detect-ssd, detect-yolo, pose, segment, scalar)`);
    }
  }
}

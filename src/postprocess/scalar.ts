/** A single real value from a sensor model (regression, anomaly score), flagged outside the configured bounds. */
import type { ScalarConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { describeOutputOf, mismatch } from './mismatch.js';
import { affineOf, elementCount, isNumeric, realAt } from './tensor-values.js';
import { BoundsThreshold } from './threshold.js';
import type { OutputTensors, PostprocessContext, Postprocessor, Result } from './types.js';

/**
 * The first output must hold exactly one value (any numeric dtype, dequantised). `anomaly` is true when the
 * value is below `below` or above `above` (strictly; an absent bound never triggers),
 * and for a NaN or infinite value.
 */
export function createScalar(config: ScalarConfig, outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  const info = outputs[0];
  if (info === undefined) throw mismatch(`postprocess.kind: scalar reads one value from the first output but ${context.modelName} has no outputs`);
  const count = elementCount(info.shape);
  if (!isNumeric(info) || count !== 1) {
    const values = isNumeric(info) ? ` (${count} values${count > 1 ? '; use kind: classify for class scores' : ''})` : '';
    throw mismatch(`postprocess.kind: scalar reads one numeric value but ${describeOutputOf(context.modelName, info)}${values}`);
  }
  const affine = affineOf(info.quantization);
  const bounds = new BoundsThreshold(config.below, config.above);
  return {
    threshold: bounds,
    run(tensors: OutputTensors): Result {
      const value = realAt(tensors.values[0]!, affine, 0);
      const anomaly =
        !Number.isFinite(value) ||
        (bounds.below !== undefined && value < bounds.below) || (bounds.above !== undefined && value > bounds.above);
      return { kind: 'scalar', value, anomaly };
    },
  };
}

import type { ClassifyConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { dequantize } from './dequantize.js';
import { checkLabelCount, describeOutputOf, describeOutputs, mismatch } from './mismatch.js';
import { applyScores, decideScores } from './scores.js';
import { isNumeric, vectorLength } from './tensor-values.js';
import { ScoreThreshold } from './threshold.js';
import type { OutputTensors, PostprocessContext, Postprocessor, Result } from './types.js';

export interface ScoredClass {
  index: number;
  label?: string;
  score: number;
}

/**
 * The k highest scores, best first (ties keep the lower index). `labelOffset` shifts the label lookup for
 * label files with an extra first line, such as a 1001-line ImageNet file used with a 1000-class model.
 */
export function topK(scores: ArrayLike<number>, k: number, labels?: readonly string[], labelOffset = 0): ScoredClass[] {
  const want = Math.max(0, Math.min(k, scores.length));
  // Runs per frame: keep the best `want` in a small sorted list (O(n k)) instead of sorting all n classes.
  const best: number[] = [];
  for (let i = 0; i < scores.length; i += 1) {
    const score = scores[i]!;
    if (best.length === want && (want === 0 || score <= scores[best[want - 1]!]!)) continue;
    let at = best.length;
    while (at > 0 && score > scores[best[at - 1]!]!) at -= 1;
    best.splice(at, 0, i);
    if (best.length > want) best.pop();
  }
  return best.map((index) => {
    const label = labels?.[index + labelOffset];
    return label === undefined ? { index, score: scores[index]! } : { index, label, score: scores[index]! };
  });
}

/** Finds `postprocess.output` by name, or the first output. */
function selectOutput(config: ClassifyConfig, outputs: readonly TensorInfo[], modelName: string): number {
  if (config.output === undefined) {
    if (outputs.length === 0) throw mismatch(`postprocess.kind: classify needs an output of class scores but ${modelName} has no outputs`);
    return 0;
  }
  const at = outputs.findIndex((o) => o.name === config.output);
  if (at < 0) {
    throw mismatch(`postprocess.output: "${config.output}" is not an output of the model: ${describeOutputs(modelName, outputs)}`);
  }
  return at;
}

/**
 * Image classification: the selected output (class scores [1,C], any numeric dtype, dequantised, turned into
 * scores in [0,1] as `postprocess.scores` says: see scores.ts), the `topK` best at or above `threshold`, labelled
 * with the label offset.
 */
export function createClassify(config: ClassifyConfig, outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  const at = selectOutput(config, outputs, context.modelName);
  const info = outputs[at]!;
  const classes = vectorLength(info.shape);
  if (!isNumeric(info) || classes === undefined) {
    const field = config.output === undefined ? 'postprocess.kind: classify' : 'postprocess.output';
    throw mismatch(`${field} needs class scores ([1,C], numeric) but ${describeOutputOf(context.modelName, info)}`);
  }
  checkLabelCount(context.labels, context.labelOffset, classes, info.name);
  const quantization = info.quantization;
  const decision = decideScores(config.scores ?? 'auto', info, context.outputProducers?.get(info.name), context.modelName);
  const threshold = new ScoreThreshold(config.threshold, config.kind);
  return {
    threshold,
    scores: decision.why,
    run(tensors: OutputTensors): Result {
      const scores = applyScores(decision.transform, dequantize(tensors.values[at]!, quantization));
      const best = topK(scores, config.topK, context.labels, context.labelOffset).filter((c) => c.score >= threshold.value);
      return { kind: 'classify', classes: best };
    },
  };
}

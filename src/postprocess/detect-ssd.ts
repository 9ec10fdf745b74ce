/**
 * SSD detections from the TFLite_Detection_PostProcess custom op: boxes [1,N,4] (ymin, xmin, ymax, xmax,
 * normalised to the input tensor), classes [1,N] (0 = first real class, background removed), scores [1,N] and
 * count [1]. The op already ran NMS; this stage thresholds, filters, caps and maps boxes to source pixels.
 */
import type { DetectSsdConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { boxToSource, requireGeometry } from './geometry.js';
import { labelOf, resolveClassFilter } from './labels.js';
import { describeOutputs, mismatch } from './mismatch.js';
import { affineOf, isNumeric, realAt, shapeMatches } from './tensor-values.js';
import { ScoreThreshold } from './threshold.js';
import type { DetectedObject, OutputTensors, PostprocessContext, Postprocessor, Result } from './types.js';
import type { ImageGeometry } from '../core/geometry.js';

const OP_OUTPUT = 'TFLite_Detection_PostProcess';

/**
 * The four outputs' indices: by their TFLite names (`TFLite_Detection_PostProcess`, `:1`, `:2`, `:3`) when the
 * model has them, so extra outputs (LSTM state) may come anywhere; else the first four, in the op's order.
 */
function locate(outputs: readonly TensorInfo[]): [number, number, number, number] | undefined {
  const byName = ['', ':1', ':2', ':3'].map((suffix) => outputs.findIndex((o) => o.name === OP_OUTPUT + suffix));
  if (byName.every((i) => i >= 0)) return byName as [number, number, number, number];
  return outputs.length >= 4 ? [0, 1, 2, 3] : undefined;
}

function fits(outputs: readonly TensorInfo[], at: readonly number[]): number | undefined {
  const [boxes, classes, scores, count] = at.map((i) => outputs[i]!);
  if (![boxes, classes, scores, count].every((o) => o !== undefined && isNumeric(o))) return undefined;
  const n = boxes!.shape[1];
  if (n === undefined || !shapeMatches(boxes!.shape, [1, n, 4])) return undefined;
  if (!shapeMatches(classes!.shape, [1, n]) || !shapeMatches(scores!.shape, [1, n])) return undefined;
  return shapeMatches(count!.shape, [1]) ? n : undefined;
}

export function createDetectSsd(config: DetectSsdConfig, outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  const at = locate(outputs);
  const n = at === undefined ? undefined : fits(outputs, at);
  if (at === undefined || n === undefined) {
    throw mismatch(
      `postprocess.kind: detect-ssd needs the four ${OP_OUTPUT} outputs (boxes [1,N,4], classes [1,N], scores [1,N], count [1]) ` +
        `but ${describeOutputs(context.modelName, outputs)}`,
    );
  }
  const filter = resolveClassFilter(config.classes, context.labels, context.labelOffset, context.modelName);
  const [boxesAt, classesAt, scoresAt, countAt] = at;
  const [qBoxes, qClasses, qScores, qCount] = at.map((i) => affineOf(outputs[i]!.quantization));

  const threshold = new ScoreThreshold(config.threshold, config.kind);

  function run(tensors: OutputTensors, geometry: ImageGeometry | undefined): Result {
    const g = requireGeometry(geometry, config.kind);
    const boxes = tensors.values[boxesAt]!;
    const classes = tensors.values[classesAt]!;
    const scores = tensors.values[scoresAt]!;
    const count = Math.min(n!, Math.max(0, Math.round(realAt(tensors.values[countAt]!, qCount!, 0))));
    const objects: DetectedObject[] = [];
    for (let i = 0; i < count; i += 1) {
      const score = realAt(scores, qScores!, i);
      if (!(score >= threshold.value)) continue;
      const index = Math.round(realAt(classes, qClasses!, i));
      if (filter !== undefined && !filter.has(index)) continue;
      const [ymin, xmin, ymax, xmax] = [0, 1, 2, 3].map((k) => realAt(boxes, qBoxes!, i * 4 + k)) as [number, number, number, number];
      const box = boxToSource(g, xmin, ymin, xmax, ymax);
      if (box === undefined) continue;
      const label = labelOf(index, context.labels, context.labelOffset);
      objects.push(label === undefined ? { index, score, box } : { index, label, score, box });
    }
    objects.sort((a, b) => b.score - a.score);
    return { kind: 'detect', objects: objects.slice(0, config.maxDetections) };
  }
  return { run, threshold };
}

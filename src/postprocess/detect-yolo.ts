/**
 * Raw YOLO-style detections: one output holding, per candidate box, cx, cy, w, h, [objectness], C class scores.
 *
 * Layouts (told apart by shape, the labels' count and the config: see yoloLayout):
 *  - rows       [1, N, 4+1+C] (YOLOv5/v7, `objectness: true`) or [1, N, 4+C] (`objectness: false`);
 *  - transposed [1, 4+C, N] (YOLOv8/v11 exports, no objectness), attribute k of box n at k*N + n.
 * A missing batch dimension ([N, K]) is accepted too. int8/uint8 outputs are dequantised with the tensor's
 * scale and zero point (boxes and scores share them); class scores are compared in stored form (same order). Box centre and size are normalised to
 * the input (`coordinates: normalized`) or in input pixels (`coordinates: pixels`, divided by the tensor size).
 *
 * Score of a box: its best class score, times objectness when present (YOLOv5's conf = obj * cls). One
 * detection per box, its best class; the class filter then drops boxes whose best class is not wanted (as
 * Ultralytics' `classes=`). Boxes wholly in a letterbox pad are dropped, then per-class NMS (nms.ts) keeps the
 * `maxDetections` best, mapped to source pixels.
 */
import type { DetectYoloConfig } from '../config/types.js';
import type { TensorArray } from '../runtime/dtypes.js';
import type { TensorInfo } from '../runtime/tensor.js';
import type { ImageGeometry } from '../core/geometry.js';
import { boxToSource, requireGeometry } from './geometry.js';
import { labelOf, resolveClassFilter } from './labels.js';
import { checkLabelCount, describeOutputs, mismatch } from './mismatch.js';
import { nonMaxSuppression, type Candidate } from './nms.js';
import { affineOf, isNumeric, realAt } from './tensor-values.js';
import { ScoreThreshold } from './threshold.js';
import type { Box, DetectedObject, OutputTensors, PostprocessContext, Postprocessor, Result } from './types.js';

export interface YoloLayout {
  /** Candidate boxes. */
  boxes: number;
  /** Values per box: 4 + (objectness ? 1 : 0) + classes. */
  attributes: number;
  classes: number;
  transposed: boolean;
}

/**
 * The layout of a YOLO output from its shape and the config; undefined when it cannot be one. With labels, the
 * reading ([N,K] rows or [K,N] transposed) whose class count matches them wins. Otherwise the smaller dimension
 * holds the attributes (real models have far more boxes than attributes: 25200x85, 84x8400; rows on a tie),
 * which also keeps other outputs out: class scores [1,1001], SSD boxes [1,N,4].
 */
export function yoloLayout(info: TensorInfo, objectness: boolean, labelCount?: number): YoloLayout | undefined {
  const dims = info.shape.length === 3 && info.shape[0] === 1 ? info.shape.slice(1) : info.shape;
  if (dims.length !== 2 || !isNumeric(info)) return undefined;
  const [a, b] = dims as [number, number];
  const reading = (transposed: boolean): YoloLayout => {
    const attributes = transposed ? a : b;
    return { boxes: transposed ? b : a, attributes, classes: attributes - 4 - (objectness ? 1 : 0), transposed };
  };
  const valid = (l: YoloLayout) => l.classes >= 1 && l.boxes >= 1;
  const byLabels = [reading(false), reading(true)].filter((l) => valid(l) && l.classes === labelCount);
  if (byLabels.length === 1) return byLabels[0];
  const byShape = reading(a < b);
  return valid(byShape) ? byShape : undefined;
}

function objectnessHint(config: DetectYoloConfig, layout: YoloLayout, labels: number | undefined): string {
  if (labels === undefined) return '';
  if (!config.objectness && labels === layout.classes - 1) return '; set postprocess.objectness: true if each row carries an objectness score';
  if (config.objectness && labels === layout.classes + 1) return '; set postprocess.objectness: false (YOLOv8 rows have none)';
  return '';
}

/**
 * Per box, the class with the highest stored score and that score, into `out` (the stored order is the real
 * order: scales are positive). Ties go to the lower class. Loops follow memory order: box-major for rows,
 * class-major for the transposed layout (a [1,84,8400] int8 output takes ~2 ms per frame on the dev host).
 */
function bestClasses(
  values: TensorArray,
  layout: YoloLayout,
  first: number,
  out: { index: Int32Array; stored: Float64Array },
): void {
  const { boxes, attributes, classes } = layout;
  if (layout.transposed) {
    out.index.fill(0);
    for (let n = 0; n < boxes; n += 1) out.stored[n] = Number(values[first * boxes + n]);
    for (let c = 1; c < classes; c += 1) {
      const base = (first + c) * boxes;
      for (let n = 0; n < boxes; n += 1) {
        const v = Number(values[base + n]);
        if (v > out.stored[n]!) {
          out.stored[n] = v;
          out.index[n] = c;
        }
      }
    }
    return;
  }
  for (let n = 0; n < boxes; n += 1) {
    const base = n * attributes + first;
    let index = 0;
    let stored = Number(values[base]);
    for (let c = 1; c < classes; c += 1) {
      const v = Number(values[base + c]);
      if (v > stored) {
        stored = v;
        index = c;
      }
    }
    out.index[n] = index;
    out.stored[n] = stored;
  }
}

export function createDetectYolo(config: DetectYoloConfig, outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  const info = outputs[0];
  const labelCount = context.labels === undefined ? undefined : context.labels.length - context.labelOffset;
  const layout = info === undefined ? undefined : yoloLayout(info, config.objectness, labelCount);
  if (info === undefined || layout === undefined) {
    const row = config.objectness ? '4+1+C' : '4+C';
    throw mismatch(
      `postprocess.kind: detect-yolo with objectness: ${config.objectness} needs a first output [1,N,${row}] or [1,${row},N] (C >= 1) ` +
        `but ${describeOutputs(context.modelName, outputs)}`,
    );
  }
  if (context.labels !== undefined && context.labels.length - context.labelOffset !== layout.classes) {
    const hint = objectnessHint(config, layout, context.labels.length - context.labelOffset);
    if (hint !== '') {
      throw mismatch(
        `model.labels: ${context.labels.length - context.labelOffset} labels but output "${info.name}" has ${layout.classes} classes ` +
          `with postprocess.objectness: ${config.objectness}${hint}`,
      );
    }
    checkLabelCount(context.labels, context.labelOffset, layout.classes, info.name);
  }
  const filter = resolveClassFilter(config.classes, context.labels, context.labelOffset, context.modelName, layout.classes);
  const affine = affineOf(info.quantization);
  const { boxes, attributes, transposed } = layout;
  const first = config.objectness ? 5 : 4;
  // Element offset of attribute k of box n.
  const at = transposed ? (n: number, k: number) => k * boxes + n : (n: number, k: number) => n * attributes + k;
  // Reused by every run (run is synchronous, so runs never interleave).
  const best = { index: new Int32Array(boxes), stored: new Float64Array(boxes) };

  const threshold = new ScoreThreshold(config.threshold, config.kind);

  function run(tensors: OutputTensors, geometry: ImageGeometry | undefined): Result {
    const g = requireGeometry(geometry, config.kind);
    const values = tensors.values[0]!;
    const sx = config.coordinates === 'pixels' ? 1 / g.tensorWidth : 1;
    const sy = config.coordinates === 'pixels' ? 1 / g.tensorHeight : 1;
    bestClasses(values, layout!, first, best);
    const candidates: Array<Candidate & { box: Box }> = [];
    for (let n = 0; n < boxes; n += 1) {
      const objectness = config.objectness ? realAt(values, affine, at(n, 4)) : 1;
      const score = (best.stored[n]! - affine.zeroPoint) * affine.scale * objectness;
      const classIndex = best.index[n]!;
      if (!(score >= threshold.value) || (filter !== undefined && !filter.has(classIndex))) continue;
      const cx = realAt(values, affine, at(n, 0)) * sx;
      const cy = realAt(values, affine, at(n, 1)) * sy;
      const w = realAt(values, affine, at(n, 2)) * sx;
      const h = realAt(values, affine, at(n, 3)) * sy;
      const [x1, y1, x2, y2] = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
      const box = boxToSource(g, x1, y1, x2, y2);
      if (box !== undefined) candidates.push({ x1, y1, x2, y2, score, classIndex, box });
    }
    const objects: DetectedObject[] = nonMaxSuppression(candidates, config.iou, config.maxDetections).map((c) => {
      const label = labelOf(c.classIndex, context.labels, context.labelOffset);
      const index = c.classIndex;
      return label === undefined ? { index, score: c.score, box: c.box } : { index, label, score: c.score, box: c.box };
    });
    return { kind: 'detect', objects };
  }
  return { run, threshold };
}

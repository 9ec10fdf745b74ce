// How closely the optimised model's outputs follow the original's, by what the model is: a classifier (top-1,
// score difference), a detector (boxes matched by IoU and class), a segmenter (pixels with the same class), or any
// other model (largest difference of the dequantised outputs).
import type { TensorArray } from '../runtime/dtypes.js';
import type { TensorInfo } from '../runtime/tensor.js';

export type ModelKind = 'classifier' | 'detector' | 'segmentation' | 'other';

/** One output tensor after an invoke, as real values (dequantised with its own parameters). */
export interface OutputValues {
  readonly info: TensorInfo;
  readonly values: Float64Array;
}

/** Dequantised copy of an output (valid after the next invoke). */
export function outputValues(info: TensorInfo, data: TensorArray): OutputValues {
  const q = info.quantization;
  const values = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    values[i] = q && q.scale > 0 ? q.scale * (v - q.zeroPoint) : v;
  }
  return { info, values };
}

/** The kind of a model from its outputs (and its custom ops). */
export function modelKind(outputs: readonly TensorInfo[], customOps: readonly string[]): ModelKind {
  if (customOps.includes('TFLite_Detection_PostProcess') && outputs.length >= 4) return 'detector';
  if (outputs.length !== 1) return 'other';
  const shape = outputs[0]!.shape;
  const dtype = outputs[0]!.dtype;
  if ((dtype === 'int64' || dtype === 'int32') && shape.length === 3) return 'segmentation';
  if (shape.length === 2 && shape[0] === 1 && (shape[1] ?? 0) > 1) return 'classifier';
  return 'other';
}

/** Running totals of the agreement over the calibration inputs. */
export interface Agreement {
  readonly kind: ModelKind;
  /** Fraction in [0, 1]: top-1 agreement, matched boxes, equal pixels, or 1/0 for `other` within tolerance. */
  readonly agreement: number;
  /** Largest difference of a score (classifier, detector) or of any output value (other). */
  readonly maxScoreDiff: number;
  /** Detector: lowest IoU among matched boxes (1 when none). */
  readonly minIoU?: number;
  /** Detector: matched boxes whose IoU with the original's is at least 0.9. */
  readonly matchedIoU90?: number;
  /** What was counted: images (classifier), boxes (detector), pixels (segmentation), outputs (other). */
  readonly compared: number;
  readonly details: string;
}

export class AgreementCounter {
  private agreed = 0;
  private compared = 0;
  private maxDiff = 0;
  private minIoU = 1;
  private allClose = true;
  private iou90 = 0;

  /** @param scoreThreshold detector boxes below this score in the original are not compared */
  constructor(readonly kind: ModelKind, private readonly scoreThreshold = 0.5) {}

  add(original: readonly OutputValues[], optimized: readonly OutputValues[]): void {
    if (this.kind === 'classifier') this.addClassifier(original[0]!, optimized[0]!);
    else if (this.kind === 'detector') this.addDetector(original, optimized);
    else if (this.kind === 'segmentation') this.addSegmentation(original[0]!, optimized[0]!);
    else this.addOther(original, optimized);
  }

  result(): Agreement {
    const agreement = this.kind === 'other' ? (this.allClose ? 1 : 0) : this.compared === 0 ? 1 : this.agreed / this.compared;
    const what = { classifier: 'inputs with the same top-1 class', detector: 'boxes matched (same class, IoU >= 0.5)', segmentation: 'pixels with the same class', other: 'outputs within 3 quantisation steps' }[this.kind];
    return {
      kind: this.kind,
      agreement,
      maxScoreDiff: this.maxDiff,
      ...(this.kind === 'detector' ? { minIoU: this.minIoU, matchedIoU90: this.iou90 } : {}),
      compared: this.compared,
      details: `${this.agreed} of ${this.compared} ${what}${this.kind === 'detector' ? `, ${this.iou90} with IoU >= 0.9` : ''}`,
    };
  }

  private addClassifier(a: OutputValues, b: OutputValues): void {
    this.compared += 1;
    if (argmax(a.values) === argmax(b.values)) this.agreed += 1;
    for (let i = 0; i < a.values.length; i++) this.maxDiff = Math.max(this.maxDiff, Math.abs(a.values[i]! - b.values[i]!));
  }

  private addSegmentation(a: OutputValues, b: OutputValues): void {
    for (let i = 0; i < a.values.length; i++) {
      this.compared += 1;
      if (a.values[i] === b.values[i]) this.agreed += 1;
    }
  }

  private addOther(a: readonly OutputValues[], b: readonly OutputValues[]): void {
    a.forEach((out, k) => {
      const step = out.info.quantization?.scale ?? 0;
      for (let i = 0; i < out.values.length; i++) {
        const d = Math.abs(out.values[i]! - b[k]!.values[i]!);
        this.maxDiff = Math.max(this.maxDiff, d);
        if (d > 3 * step + 1e-6) this.allClose = false;
      }
      this.compared += 1;
      this.agreed += 1;
    });
  }

  private addDetector(a: readonly OutputValues[], b: readonly OutputValues[]): void {
    const before = detections(a).filter((d) => d.score >= this.scoreThreshold);
    const after = detections(b);
    const taken = new Set<number>();
    for (const d of before) {
      this.compared += 1;
      let best = -1;
      let bestIoU = 0;
      after.forEach((e, j) => {
        if (taken.has(j) || e.cls !== d.cls) return;
        const v = iou(d.box, e.box);
        if (v > bestIoU) {
          bestIoU = v;
          best = j;
        }
      });
      if (best >= 0 && bestIoU >= 0.5) {
        taken.add(best);
        this.agreed += 1;
        this.minIoU = Math.min(this.minIoU, bestIoU);
        if (bestIoU >= 0.9) this.iou90 += 1;
        this.maxDiff = Math.max(this.maxDiff, Math.abs(d.score - after[best]!.score));
      }
    }
  }
}

interface Detection {
  readonly box: readonly number[];
  readonly cls: number;
  readonly score: number;
}

/** Post-process outputs: boxes [1, N, 4] (ymin, xmin, ymax, xmax), classes, scores, count. */
function detections(out: readonly OutputValues[]): Detection[] {
  const [boxes, classes, scores, count] = out.map((o) => o.values);
  const n = Math.min(Math.round(count?.[0] ?? 0), scores?.length ?? 0);
  const list: Detection[] = [];
  for (let i = 0; i < n; i++) {
    list.push({ box: Array.from(boxes!.subarray(4 * i, 4 * i + 4)), cls: classes![i]!, score: scores![i]! });
  }
  return list;
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const [ay0, ax0, ay1, ax1] = a as [number, number, number, number];
  const [by0, bx0, by1, bx1] = b as [number, number, number, number];
  const ih = Math.max(0, Math.min(ay1, by1) - Math.max(ay0, by0));
  const iw = Math.max(0, Math.min(ax1, bx1) - Math.max(ax0, bx0));
  const inter = ih * iw;
  const union = (ay1 - ay0) * (ax1 - ax0) + (by1 - by0) * (bx1 - bx0) - inter;
  return union <= 0 ? 0 : inter / union;
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

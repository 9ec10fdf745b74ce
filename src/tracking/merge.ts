/**
 * Cross-class merging before the tracker: a detector's non-maximum suppression runs per class, so one object the
 * model cannot make up its mind about comes out as several overlapping boxes of different classes (a car seen
 * from above as "car", "cell phone" and "suitcase" at once in video/car-detection.mp4). Each box would start its own
 * track. Within each configured group of classes, overlapping detections are one object: the best-scoring box is
 * kept with its own class, the others are dropped (class-agnostic NMS within the group; boxes of the same class
 * in the group are merged too). The track's label is then voted over its life (the most frequent class, track.ts).
 *
 * Overlap is IoU by default; `smaller` (intersection over the smaller box) also merges a box lying inside a larger
 * one, which IoU scores low (a 120x160 box inside a 160x270 one: IoU 0.45, smaller 1.0).
 */
import type { DetectedObject } from '../postprocess/types.js';
import type { Box } from '../core/result.js';
import type { ClassName } from './filters.js';

export interface MergeOptions {
  /** Groups of classes (labels, or indices written as numbers) whose overlapping detections are one object. Empty = no merging. */
  groups: readonly (readonly ClassName[])[];
  /** Least overlap (0..1, measured as `overlap` says) for two detections of one group to be merged. */
  minOverlap: number;
  /** `iou`: intersection over union. `smaller`: intersection over the smaller box's area. */
  overlap: 'iou' | 'smaller';
}

export interface MergeResult {
  kept: DetectedObject[];
  /** Detections merged into a better one in this call. */
  merged: number;
}

/** The group of a class name or index: -1 when in none. Names are labels, or indices written as numbers. */
export function classGroupOf(groups: readonly (readonly ClassName[])[], object: { index: number; label?: string }): number {
  const index = String(object.index);
  return groups.findIndex((group) => group.some((name) => name === object.label || name === index));
}

/** Overlap of two boxes (0..1) as `measure` says; 0 when they do not touch. */
export function boxOverlap(a: Box, b: Box, measure: MergeOptions['overlap']): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const areaA = a.width * a.height;
  const areaB = b.width * b.height;
  const base = measure === 'iou' ? areaA + areaB - inter : Math.min(areaA, areaB);
  return base > 0 ? inter / base : 0;
}

export class DetectionMerger {
  readonly #options: MergeOptions;
  /** Detections merged since construction. */
  merged = 0;

  constructor(options: MergeOptions) {
    this.#options = options;
  }

  /**
   * Keeps, per group, the best-scoring of each set of overlapping detections (greedy, highest score first, as NMS
   * does); detections in no group pass unchanged. Order of the kept detections is their input order. A few dozen
   * detections a frame: the pairwise test costs microseconds.
   */
  apply(objects: readonly DetectedObject[]): MergeResult {
    const { groups, minOverlap, overlap } = this.#options;
    if (groups.length === 0 || objects.length < 2) return { kept: [...objects], merged: 0 };
    const group = objects.map((o) => classGroupOf(groups, o));
    const order = objects.map((_, i) => i).filter((i) => group[i]! >= 0).sort((a, b) => objects[b]!.score - objects[a]!.score);
    const dropped = new Set<number>();
    for (let k = 0; k < order.length; k++) {
      const best = order[k]!;
      if (dropped.has(best)) continue;
      for (let m = k + 1; m < order.length; m++) {
        const other = order[m]!;
        if (dropped.has(other) || group[other] !== group[best]) continue;
        if (boxOverlap(objects[best]!.box, objects[other]!.box, overlap) >= minOverlap) dropped.add(other);
      }
    }
    this.merged += dropped.size;
    return { kept: objects.filter((_, i) => !dropped.has(i)), merged: dropped.size };
  }
}

/**
 * Object filters before tracking: which classes are tracked, per-class score, area and aspect ratio limits, and
 * masks over known false positives (a poster, a television, a reflection). Every dropped detection is counted
 * by reason, for the stats.
 *
 * Mask anchor: by default a detection is dropped when the bottom_centre of its box (where it stands on the
 * ground) lies in a mask. A person walking in front of a masked television keeps their feet outside the mask
 * and is kept, while the centre of their box may well cover the screen; `centre` suits top-down views and
 * objects that do not stand on anything (a screen on a wall is found as its whole box, so both anchors drop it).
 */
import type { DetectedObject } from '../postprocess/types.js';
import { anchorOf, pointInPolygon, type Point } from '../core/plane.js';

/** Class names are labels, or class indices written as numbers (`"0"`): the YAML's `classes` convention. */
export type ClassName = string;

/** Limits for one class (`class` given) or all classes; a detection must pass every filter that applies to it. */
export interface ObjectFilter {
  class?: ClassName;
  /** Least score, 0..1. */
  minScore?: number;
  /** Box area limits, source-frame pixels². */
  minArea?: number;
  maxArea?: number;
  /** Box width / height limits. */
  minAspect?: number;
  maxAspect?: number;
}

export interface DetectionMask {
  /** Polygon corners (at least 3), in source-frame pixels or fractions of the frame (`units`). */
  points: Point[];
  units: 'pixels' | 'fraction';
  /** Classes the mask drops; empty = all. */
  classes: ClassName[];
  /** The point of the box tested against the polygon. */
  anchor: 'bottom_centre' | 'centre';
}

export interface ObjectFilterOptions {
  /** Classes to track; empty = all. */
  classes: ClassName[];
  filters: ObjectFilter[];
  masks: DetectionMask[];
}

export type DropReason = 'class' | 'score' | 'area' | 'aspect' | 'mask';

export interface FilterResult {
  kept: DetectedObject[];
  /** Detections dropped in this call, by the first reason that applied. */
  dropped: Record<DropReason, number>;
}

const noDrops = (): Record<DropReason, number> => ({ class: 0, score: 0, area: 0, aspect: 0, mask: 0 });

function isClass(object: DetectedObject, names: readonly ClassName[]): boolean {
  return names.length === 0 || names.some((name) => name === object.label || name === String(object.index));
}

export class ObjectFilters {
  readonly #options: ObjectFilterOptions;
  /** Totals since construction, by reason. */
  readonly dropped = noDrops();

  constructor(options: ObjectFilterOptions) {
    this.#options = options;
  }

  /**
   * Keeps the detections that pass. `frame` (source-frame size in pixels) is needed by masks in fractions;
   * without it such a mask throws, naming the missing size.
   */
  apply(objects: readonly DetectedObject[], frame?: { width: number; height: number }): FilterResult {
    const result: FilterResult = { kept: [], dropped: noDrops() };
    for (const object of objects) {
      const reason = this.#dropReason(object, frame);
      if (reason) {
        result.dropped[reason]++;
        this.dropped[reason]++;
      } else {
        result.kept.push(object);
      }
    }
    return result;
  }

  #dropReason(object: DetectedObject, frame: { width: number; height: number } | undefined): DropReason | undefined {
    const o = this.#options;
    if (!isClass(object, o.classes)) return 'class';
    const { width, height } = object.box;
    const area = width * height;
    const aspect = height > 0 ? width / height : Infinity;
    for (const f of o.filters) {
      if (f.class !== undefined && !isClass(object, [f.class])) continue;
      if (f.minScore !== undefined && object.score < f.minScore) return 'score';
      if ((f.minArea !== undefined && area < f.minArea) || (f.maxArea !== undefined && area > f.maxArea)) return 'area';
      if ((f.minAspect !== undefined && aspect < f.minAspect) || (f.maxAspect !== undefined && aspect > f.maxAspect)) return 'aspect';
    }
    for (const mask of o.masks) {
      if (!isClass(object, mask.classes)) continue;
      const anchor = anchorOf(object.box, mask.anchor);
      if (pointInPolygon(anchor, maskPixels(mask, frame))) return 'mask';
    }
    return undefined;
  }
}

function maskPixels(mask: DetectionMask, frame: { width: number; height: number } | undefined): readonly Point[] {
  if (mask.units === 'pixels') return mask.points;
  if (!frame) throw new Error('A mask in fractions of the frame needs the frame size; pass it to ObjectFilters.apply');
  return mask.points.map((p) => ({ x: p.x * frame.width, y: p.y * frame.height }));
}

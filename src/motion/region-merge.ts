/**
 * One detection result from the results of several crops of a frame (`motion.detect_on: regions`): the boxes are
 * already in frame pixels (each crop's postprocess maps through its own geometry); here the crops' overlaps are
 * settled, so the result stages see one result as if the whole frame had been inferred.
 *
 * Crops overlap (each is grown to the input size), so an object in two crops is found twice, and an object that
 * crosses a crop's edge is found cut in that crop. Class by class, best first, where boxes not cut by a crop edge
 * come before cut ones (a cut box is part of an object, whatever its score):
 * - a box is dropped when its IoU with a kept box of its class is above `iou` (ordinary NMS);
 * - a cut box is also dropped when a kept box of its class covers most of it (over `COVERED` of its area): the
 *   same object, seen whole by another crop.
 * A cut box that no other crop sees better is kept: the object is partly outside every crop.
 */
import type { Box, DetectedObject } from '../core/result.js';

/** One crop and what the detector found on it, in frame pixels. */
export interface CropDetections {
  crop: Box;
  objects: readonly DetectedObject[];
}

export interface MergeSettings {
  /** Frame size, pixels: a crop edge on the frame's edge cuts nothing. */
  frameWidth: number;
  frameHeight: number;
  /** IoU above which two boxes of a class are one object, 0-1 (detect-yolo's `iou`; 0.5 for detect-ssd). */
  iou: number;
  /** At most this many objects, best first (postprocess `max_detections`). */
  maxDetections: number;
}

/** Share of a cut box inside a kept box above which it is that box's object. */
export const COVERED = 0.6;
/** A box edge this close (source pixels) to an inner crop edge is cut by it. */
export const EDGE_PX = 2;

/** Whether `box` touches or crosses an edge of `crop` that is not the frame's edge. */
export function cutByCrop(box: Box, crop: Box, frameWidth: number, frameHeight: number): boolean {
  const right = crop.x + crop.width;
  const bottom = crop.y + crop.height;
  return (
    (crop.x > 0 && box.x <= crop.x + EDGE_PX) ||
    (crop.y > 0 && box.y <= crop.y + EDGE_PX) ||
    (right < frameWidth && box.x + box.width >= right - EDGE_PX) ||
    (bottom < frameHeight && box.y + box.height >= bottom - EDGE_PX)
  );
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function iouOf(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** The objects of all crops as one result, best score first (see the file comment for the rules). */
export function mergeCropDetections(crops: readonly CropDetections[], settings: MergeSettings): DetectedObject[] {
  const candidates = crops.flatMap(({ crop, objects }) => objects.map((object) => ({ object, cut: cutByCrop(object.box, crop, settings.frameWidth, settings.frameHeight) })));
  candidates.sort((a, b) => Number(a.cut) - Number(b.cut) || b.object.score - a.object.score);
  const kept: Array<{ object: DetectedObject; cut: boolean }> = [];
  for (const c of candidates) {
    const same = kept.filter((k) => k.object.index === c.object.index);
    const box = c.object.box;
    const area = box.width * box.height;
    const duplicate = same.some((k) => iouOf(k.object.box, box) > settings.iou || (c.cut && area > 0 && intersection(k.object.box, box) / area > COVERED));
    if (!duplicate) kept.push(c);
  }
  return kept
    .map((k) => k.object)
    .sort((a, b) => b.score - a.score)
    .slice(0, settings.maxDetections);
}

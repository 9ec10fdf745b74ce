/** Mapping normalised tensor coordinates to source-image pixels through the preprocessing geometry. */
import { EdgepipeError } from '../runtime/errors.js';
import type { ImageGeometry } from '../core/geometry.js';
import type { Box } from './types.js';

/** Detections and keypoints are reported in source pixels, so they need the geometry of the frame. */
export function requireGeometry(geometry: ImageGeometry | undefined, kind: string): ImageGeometry {
  if (geometry === undefined) {
    throw new EdgepipeError(
      'ERR_POSTPROCESS_GEOMETRY',
      `postprocess.kind: ${kind} reports source-image pixels but this frame came without image geometry (is the source an image source?)`,
    );
  }
  return geometry;
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : v;
}

/** A point in source pixels, clamped to the image (a letterbox pad maps outside it). */
export function pointToSource(geometry: ImageGeometry, nx: number, ny: number): { x: number; y: number } {
  const p = geometry.toSource(nx, ny);
  return { x: clamp(p.x, geometry.sourceWidth), y: clamp(p.y, geometry.sourceHeight) };
}

/**
 * The source-pixel box covering the normalised tensor box (x1,y1)-(x2,y2): all four corners are mapped (a
 * rotated or flipped geometry swaps them), the min/max taken and the result clamped to the image. Undefined
 * when nothing of it is left inside the image (a box in the letterbox pad).
 */
export function boxToSource(geometry: ImageGeometry, x1: number, y1: number, x2: number, y2: number): Box | undefined {
  const corners = [geometry.toSource(x1, y1), geometry.toSource(x2, y1), geometry.toSource(x1, y2), geometry.toSource(x2, y2)];
  const xs = corners.map((c) => c.x);
  const ys = corners.map((c) => c.y);
  const left = clamp(Math.min(...xs), geometry.sourceWidth);
  const right = clamp(Math.max(...xs), geometry.sourceWidth);
  const top = clamp(Math.min(...ys), geometry.sourceHeight);
  const bottom = clamp(Math.max(...ys), geometry.sourceHeight);
  if (!(right > left && bottom > top)) return undefined;
  return { x: left, y: top, width: right - left, height: bottom - top };
}

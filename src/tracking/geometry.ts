/** Box and polygon geometry in source-frame pixels, for the tracker and its filters. */
import type { Box } from '../postprocess/types.js';

export interface Point {
  x: number;
  y: number;
}

/** Intersection over union of two boxes (0..1); 0 when the union is empty. */
export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export function boxCentre(box: Box): Point {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Where an object stands on the ground in a camera view: the middle of its box's bottom edge. */
export function boxBottomCentre(box: Box): Point {
  return { x: box.x + box.width / 2, y: box.y + box.height };
}

/**
 * Whether `p` lies inside the polygon (even-odd rule, W. Randolph Franklin's crossing test). Points exactly on
 * an edge may fall either way; masks are drawn with a margin, so that does not matter.
 */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i]!;
    const b = polygon[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

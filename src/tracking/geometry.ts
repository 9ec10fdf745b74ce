/** Box and polygon geometry in source-frame pixels, for the tracker and its filters. */
import type { Box } from '../core/result.js';

export { pointInPolygon, type Point } from '../core/plane.js';

/** Intersection over union of two boxes (0..1); 0 when the union is empty. */
export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Plane geometry in source-frame pixels (x right, y down) shared by the stages that place objects: tracking's
 * masks and the zones. Pure functions, no allocation in pointInPolygon (it runs per object per frame).
 */
import type { Box } from './result.js';

export interface Point {
  x: number;
  y: number;
}

/** Which point of a box stands for the object: `bottom_centre` (where a person or car stands on the ground) or `centre`. */
export type Anchor = 'bottom_centre' | 'centre';

/** The anchor point of `box`. */
export function anchorOf(box: Box, anchor: Anchor): Point {
  return { x: box.x + box.width / 2, y: anchor === 'centre' ? box.y + box.height / 2 : box.y + box.height };
}

/**
 * Whether p is inside the polygon (even-odd rule, W. Randolph Franklin's crossing test). A point exactly on an
 * edge may fall either way: masks are drawn with a margin and zone timing (min_time_s, leave_s) absorbs it.
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

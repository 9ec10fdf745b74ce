/**
 * Plane geometry for zones and lines, in source-frame pixels (x right, y down). Pure functions, no allocation in
 * the per-frame paths (pointInPolygon, side, segmentsCross).
 */
import type { Point } from '../core/plane.js';

export { anchorOf, pointInPolygon, type Anchor, type Point } from '../core/plane.js';

export interface FrameSize {
  width: number;
  height: number;
}

/**
 * Cross product of (b - a) and (p - a): > 0 when p is right of the direction a -> b as seen on screen (y down),
 * < 0 left, 0 on the line. Its magnitude / |b - a| is p's distance to the line.
 */
export function cross(a: Point, b: Point, p: Point): number {
  return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
}

/** Signed distance of p to the infinite line through a and b, pixels (> 0: right of a -> b on screen). */
export function signedDistance(a: Point, b: Point, p: Point): number {
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  return length === 0 ? 0 : cross(a, b, p) / length;
}

/** Whether segment p1-p2 and segment q1-q2 share a point (touching counts). */
export function segmentsCross(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = cross(q1, q2, p1);
  const d2 = cross(q1, q2, p2);
  const d3 = cross(p1, p2, q1);
  const d4 = cross(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const onSegment = (a: Point, b: Point, p: Point): boolean =>
    Math.min(a.x, b.x) <= p.x && p.x <= Math.max(a.x, b.x) && Math.min(a.y, b.y) <= p.y && p.y <= Math.max(a.y, b.y);
  return (
    (d1 === 0 && onSegment(q1, q2, p1)) ||
    (d2 === 0 && onSegment(q1, q2, p2)) ||
    (d3 === 0 && onSegment(p1, p2, q1)) ||
    (d4 === 0 && onSegment(p1, p2, q2))
  );
}

/**
 * The first pair of edges of the closed polygon that cross without being neighbours (edge i runs from point i to
 * point i+1, the last back to point 0), or undefined for a simple polygon. O(n^2): zones have a handful of points.
 */
export function selfIntersection(polygon: readonly Point[]): [number, number] | undefined {
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Neighbouring edges share a point by construction.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsCross(polygon[i]!, polygon[(i + 1) % n]!, polygon[j]!, polygon[(j + 1) % n]!)) return [i, j];
    }
  }
  return undefined;
}

/** Twice the signed area (shoelace); 0 for a degenerate polygon (all points on one line). */
export function doubleArea(polygon: readonly Point[]): number {
  let sum = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) sum += polygon[j]!.x * polygon[i]!.y - polygon[i]!.x * polygon[j]!.y;
  return sum;
}

/** Coordinates of zone and line points: source-frame pixels, or fractions 0..1 of the frame's width and height. */
export type Units = 'pixels' | 'fraction';

/** `points` ([x, y] pairs in `units`) as pixel points of a frame of `frame` size. */
export function toPixels(points: ReadonlyArray<readonly [number, number]>, units: Units, frame: FrameSize): Point[] {
  return points.map(([x, y]) => (units === 'fraction' ? { x: x * frame.width, y: y * frame.height } : { x, y }));
}

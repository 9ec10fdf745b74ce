/**
 * One object's side of one directed line, with a hysteresis band: inside the band (|distance| < hysteresis) the
 * side stays what it was, so an anchor jittering on the line never counts. A crossing is a change of side whose
 * path (from the last position outside the band to this one) crosses the line's segment: walking around the end
 * of the line changes the side without a crossing.
 */
import type { LineDirection } from '../core/events.js';
import { segmentsCross, signedDistance, type Point } from './geometry.js';

export class LineSide {
  /** -1 left of A -> B, +1 right, 0 not yet known (first positions inside the band). */
  private side = 0;
  private lastFirm: Point = { x: 0, y: 0 };

  constructor(
    private readonly a: Point,
    private readonly b: Point,
    private readonly hysteresisPx: number,
  ) {}

  /** The anchor's position now: the direction of a crossing, or undefined. */
  step(p: Point): LineDirection | undefined {
    const distance = signedDistance(this.a, this.b, p);
    if (Math.abs(distance) < this.hysteresisPx || distance === 0) return undefined;
    const side = distance > 0 ? 1 : -1;
    const from = this.side;
    const path = this.lastFirm;
    this.side = side;
    this.lastFirm = { x: p.x, y: p.y };
    if (from === 0 || from === side || !segmentsCross(path, p, this.a, this.b)) return undefined;
    return from < 0 ? 'in' : 'out';
  }
}

/**
 * One object's relation to one zone over time, with inertia both ways: `enter` only after min_time inside
 * without interruption, `leave` only after leave time outside without interruption. An anchor jittering on the
 * edge therefore never enters twice: while it is inside, short spells outside do not end the visit.
 */

export type VisitPhase = 'outside' | 'entering' | 'inside' | 'leaving';

export interface VisitTimes {
  minTimeMs: number;
  leaveMs: number;
  loiterMs: number | undefined;
}

/** What a step decided. */
export type VisitStep =
  | { kind: 'none' }
  | { kind: 'enter'; insideSinceMs: number }
  | { kind: 'loiter'; insideSinceMs: number; dwellMs: number }
  | { kind: 'leave'; insideSinceMs: number; dwellMs: number };

const NONE: VisitStep = { kind: 'none' };

export class ZoneVisit {
  phase: VisitPhase = 'outside';
  /** entering/inside/leaving: when the anchor was first inside in this visit. */
  private sinceMs = 0;
  /** inside/leaving: the last update inside. */
  private lastInsideMs = 0;
  /** leaving: when the anchor was first outside. */
  private outsideSinceMs = 0;
  private loitered = false;
  /** The label counted at enter (counts go down under the same label). */
  label = '';

  constructor(private readonly times: VisitTimes) {}

  /** One update: is the anchor inside at `atMs`? At most one decision per step (loitering waits one update after enter). */
  step(inside: boolean, atMs: number): VisitStep {
    switch (this.phase) {
      case 'outside':
        if (!inside) return NONE;
        this.phase = 'entering';
        this.sinceMs = atMs;
        return this.confirm(atMs);
      case 'entering':
        if (!inside) {
          this.phase = 'outside';
          return NONE;
        }
        return this.confirm(atMs);
      case 'inside':
        if (inside) return this.stay(atMs);
        this.phase = 'leaving';
        this.outsideSinceMs = atMs;
        return this.release(atMs);
      case 'leaving':
        if (inside) {
          this.phase = 'inside';
          return this.stay(atMs);
        }
        return this.release(atMs);
    }
  }

  /** The object is gone: a visit in progress (inside or leaving) ends now. */
  end(): VisitStep {
    const wasIn = this.phase === 'inside' || this.phase === 'leaving';
    this.phase = 'outside';
    return wasIn ? { kind: 'leave', insideSinceMs: this.sinceMs, dwellMs: this.lastInsideMs - this.sinceMs } : NONE;
  }

  private confirm(atMs: number): VisitStep {
    if (atMs - this.sinceMs < this.times.minTimeMs) return NONE;
    this.phase = 'inside';
    this.lastInsideMs = atMs;
    this.loitered = false;
    return { kind: 'enter', insideSinceMs: this.sinceMs };
  }

  private stay(atMs: number): VisitStep {
    this.lastInsideMs = atMs;
    const { loiterMs } = this.times;
    if (this.loitered || loiterMs === undefined || atMs - this.sinceMs < loiterMs) return NONE;
    this.loitered = true;
    return { kind: 'loiter', insideSinceMs: this.sinceMs, dwellMs: atMs - this.sinceMs };
  }

  private release(atMs: number): VisitStep {
    if (atMs - this.outsideSinceMs < this.times.leaveMs) return NONE;
    this.phase = 'outside';
    return { kind: 'leave', insideSinceMs: this.sinceMs, dwellMs: this.lastInsideMs - this.sinceMs };
  }
}

/**
 * The decision the frame gate makes with a motion result: run inference on frames with motion, and, while objects
 * are being tracked, at least every `keepaliveMs` without motion (a person who stands still is not lost). Counts
 * what it let through and what it skipped, for the stats.
 */
import { invalidOption } from '../runtime/errors.js';

/** `motion`: the frame has motion; `keepalive`: none, but tracked objects are due a look; `skip`: no inference. */
export type GateDecision = 'motion' | 'keepalive' | 'skip';

export interface GateCounters {
  /** Frames passed to inference because of motion. */
  motion: number;
  /** Frames passed without motion, for the keep-alive. */
  keepalive: number;
  /** Frames whose inference was skipped. */
  skipped: number;
}

export class MotionGate {
  readonly #keepaliveMs: number;
  #lastPassedMs: number | undefined;
  readonly #counters: GateCounters = { motion: 0, keepalive: 0, skipped: 0 };

  /** `keepaliveMs`: 0 = no keep-alive (the `motion.keepalive_s` setting, in ms). */
  constructor(keepaliveMs: number) {
    if (!(Number.isFinite(keepaliveMs) && keepaliveMs >= 0)) throw invalidOption('keepaliveMs', 'a number of 0 or more', keepaliveMs);
    this.#keepaliveMs = keepaliveMs;
  }

  get counters(): Readonly<GateCounters> {
    return { ...this.#counters };
  }

  /**
   * Whether the frame captured at `nowMs` (monotonic) goes to inference. `tracking`: objects are being tracked
   * (the tracker's state after the previous inference).
   */
  decide(motion: boolean, tracking: boolean, nowMs: number): GateDecision {
    let decision: GateDecision = 'skip';
    if (motion) decision = 'motion';
    else if (tracking && this.#keepaliveMs > 0 && (this.#lastPassedMs === undefined || nowMs - this.#lastPassedMs >= this.#keepaliveMs)) {
      decision = 'keepalive';
    }
    if (decision === 'skip') this.#counters.skipped += 1;
    else {
      this.#counters[decision] += 1;
      this.#lastPassedMs = nowMs;
    }
    return decision;
  }
}

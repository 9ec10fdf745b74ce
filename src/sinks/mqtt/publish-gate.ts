/**
 * Which predictions a sink publishes (`mode`, `interval_s`, `min_interval_ms`; docs/mqtt.md "Modes"). Pure: the
 * caller passes the time and whether the result changed since the last published one.
 * - every: each prediction, at most one per `min_interval_ms`;
 * - change: only changed ones (see change.ts), at most one per `min_interval_ms`; a change held back by the rate
 *   limit is still a change against the last published result, so it goes out with the next prediction allowed;
 * - interval: the first prediction at or after each `interval_s` since the last published one.
 */
export type PublishMode = 'every' | 'change' | 'interval';

export class PublishGate {
  private lastMs = -Infinity;

  constructor(
    private readonly mode: PublishMode,
    private readonly intervalMs: number,
    private readonly minIntervalMs: number,
  ) {}

  /** Whether to publish a prediction arriving at `nowMs` (monotonic ms); true records it as published. */
  offer(nowMs: number, changed: boolean): boolean {
    const gap = this.mode === 'interval' ? this.intervalMs : this.minIntervalMs;
    if (this.mode === 'change' && !changed) return false;
    if (nowMs - this.lastMs < gap) return false;
    this.lastMs = nowMs;
    return true;
  }
}

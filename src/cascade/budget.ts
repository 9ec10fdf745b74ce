/**
 * The secondary inference budget: a token bucket on the frames' monotonic clock. It holds at most
 * max(1, rate) tokens and refills at `rate` per second, so over any window of T seconds at most
 * max(1, rate) + rate x T runs start: a crowd of tracks cannot take more of the CPU than configured.
 */
export class Budget {
  private tokens: number;
  private lastMs: number | undefined;
  private readonly capacity: number;

  /** `ratePerSecond` > 0. Starts full. */
  constructor(private readonly ratePerSecond: number) {
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = this.capacity;
  }

  /** Takes one token at monotonic time `nowMs` (ms) if there is one. */
  take(nowMs: number): boolean {
    if (this.lastMs !== undefined && nowMs > this.lastMs) {
      this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) / 1000) * this.ratePerSecond);
    }
    if (this.lastMs === undefined || nowMs > this.lastMs) this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * A token bucket: `perSecond` commands a second on average, bursts of up to `perSecond`. The clock is injected
 * (milliseconds, monotonic) so tests drive it without waiting.
 */
export class RateLimit {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isInteger(perSecond) || perSecond < 1 || perSecond > 1000) {
      throw new RangeError(`Expected an integer from 1 to 1000 for max_per_second but received ${String(perSecond)}`);
    }
    this.tokens = perSecond;
    this.last = now();
  }

  /** Takes one token: false when the bucket is empty (the caller refuses the command). */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Drift-free frame pacing: frame k is due at `start + k * 1000 / fps` on the monotonic clock, so timer jitter
 * never accumulates (setInterval-style "every period after the last one" would drift by each callback's lateness).
 */
import type { Clock } from './types.js';

export class FramePacer {
  private readonly periodMs: number;
  private readonly clock: Clock;
  private startMs: number | undefined;
  private slot = 0;

  /** `fps` frames per second; 0 = no pacing (each wait only yields to the event loop). */
  constructor(fps: number, clock: Clock) {
    this.periodMs = fps > 0 ? 1000 / fps : 0;
    this.clock = clock;
  }

  /**
   * Waits until the next frame is due. The first call returns at once (its time becomes slot 0). When the wait
   * ends more than one period late (a slow read, a blocked event loop) the missed slots are skipped rather than
   * emitted in a burst: this frame takes the latest due slot and the grid keeps its phase.
   * Resolves early (at once) when `signal` aborts. Resolves to the number of slots skipped (sensor sources count
   * those samples as missing).
   */
  async wait(signal: AbortSignal): Promise<number> {
    if (this.periodMs === 0) {
      await this.clock.sleep(0, signal);
      return 0;
    }
    if (this.startMs === undefined) {
      this.startMs = this.clock.now();
      this.slot = 0;
      return 0;
    }
    this.slot += 1;
    const due = this.startMs + this.slot * this.periodMs;
    await this.clock.sleep(due - this.clock.now(), signal);
    const now = this.clock.now();
    if (now - due < this.periodMs) return 0;
    const previous = this.slot;
    this.slot = Math.floor((now - this.startMs) / this.periodMs);
    return this.slot - previous;
  }
}

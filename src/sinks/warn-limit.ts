/**
 * One warning line per period for a condition that can repeat on every message (a full disk, a refusing ACL): the
 * lines held back are counted and the next line says how many. Without it a full disk at 100 msg/s writes 100
 * lines a second to the journal, which is often on that same disk.
 */
export class WarnLimit {
  private lastMs = -Infinity;
  private suppressed = 0;

  /** `periodMs`: at most one line per this many ms. */
  constructor(
    private readonly periodMs: number,
    private readonly warn: (message: string) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Logs `message` (plus `(and N more <what> since the last warning)`) unless one was logged within the period. */
  note(message: string, what: string): void {
    const now = this.now();
    if (now - this.lastMs < this.periodMs) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (and ${this.suppressed} more ${what} since the last warning)` : '';
    this.lastMs = now;
    this.suppressed = 0;
    this.warn(`${message}${more}`);
  }
}

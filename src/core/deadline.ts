/**
 * What is left of a time budget, for work done in steps (a bounded stop): each step gets what the earlier ones
 * left, so the whole never exceeds the budget whatever one step does. Monotonic clock (performance.now).
 */
export class Deadline {
  private readonly at: number;

  /** `budgetMs`: milliseconds from now; Infinity for no bound. */
  constructor(budgetMs: number) {
    this.at = performance.now() + Math.max(0, budgetMs);
  }

  /** Milliseconds left (0 once passed), at most `capMs`. */
  left(capMs = Infinity): number {
    return Math.max(0, Math.min(capMs, this.at - performance.now()));
  }
}

/** Exponential backoff with jitter, shared by the pipeline supervisor and the source retries. */

export interface BackoffOptions {
  /** First retry delay, ms (default 1000). */
  initialMs: number;
  /** Longest delay, ms (default 60000). */
  maxMs: number;
}

/** Delay before retry number `attempt` (1-based): doubling from initialMs up to maxMs, times a jitter in [0.5, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.5 + random() / 2));
}

/** Timers for sinks' retries and bounded waits; every timer is cleared when its wait ends. */

/** Resolves after `ms`, or at once when `signal` aborts (never rejects); the timer is cleared either way. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Whether `work` settled within `ms` (true) or the time ran out first (false); the timer never outlives the race. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([work.then(() => true), delay(ms, timer.signal).then(() => false)]);
  } finally {
    timer.abort();
  }
}

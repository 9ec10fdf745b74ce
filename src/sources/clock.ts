/** The system clock used by sources unless a test injects a virtual one. */
import type { Clock } from './types.js';

/** performance.now / Date.now, sleeping with setTimeout (setImmediate for `ms` <= 0); timers cleared on abort. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        if (ms > 0) clearTimeout(timer as NodeJS.Timeout);
        else clearImmediate(timer as NodeJS.Immediate);
        done();
      };
      const timer: NodeJS.Timeout | NodeJS.Immediate = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
};

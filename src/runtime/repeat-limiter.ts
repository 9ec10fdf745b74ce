/**
 * At most one log line per kind of event per window: a camera that sends undecodable frames produced one warning
 * per frame (206 in 22 s), burying everything else in the journal. The first event of a window is logged at once;
 * the others are counted, and when the window ends one line says the latest of them and how many there were:
 * `pipeline door: frame 230 dropped (preprocess_error): ... (205 more in the last 10 s)`.
 */

export interface RepeatLimiterOptions {
  /** Window per kind, ms (default 10000). */
  windowMs?: number;
  /** Monotonic ms (tests). */
  now?: () => number;
}

interface Kind {
  windowStart: number;
  counted: number;
  latest: string;
  timer?: NodeJS.Timeout;
}

export class RepeatLimiter {
  private readonly kinds = new Map<string, Kind>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(
    private readonly emit: (message: string) => void,
    options: RepeatLimiterOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Logs `message` unless a message of `kind` was logged less than a window ago; then counts it. */
  log(kind: string, message: string): void {
    const now = this.now();
    const state = this.kinds.get(kind);
    if (!state || (state.counted === 0 && now - state.windowStart >= this.windowMs)) {
      this.kinds.set(kind, { windowStart: now, counted: 0, latest: message });
      this.emit(message);
      return;
    }
    state.counted += 1;
    state.latest = message;
    // The summary is due when the window ends, whether or not another event comes (unref: never holds the process).
    state.timer ??= setTimeout(() => this.summarise(kind), Math.max(0, state.windowStart + this.windowMs - now));
    state.timer.unref?.();
  }

  /** Logs every pending count now and forgets the windows (call when the pipeline stops). */
  flush(): void {
    for (const kind of [...this.kinds.keys()]) this.summarise(kind);
    this.kinds.clear();
  }

  private summarise(kind: string): void {
    const state = this.kinds.get(kind);
    if (!state) return;
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.counted === 0) return;
    const seconds = Math.round(Math.max(this.windowMs, this.now() - state.windowStart) / 1000);
    this.emit(state.counted === 1 ? state.latest : `${state.latest} (${state.counted - 1} more in the last ${seconds} s)`);
    // A new window starts with this line: a steady flood gives one line per window.
    state.windowStart = this.now();
    state.counted = 0;
  }
}

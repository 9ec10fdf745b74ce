/**
 * A child's stderr as lines: split across chunks, the last few kept for error messages, and forwarded to `warn`
 * at a bounded rate (ffmpeg can print a line per frame when a stream is damaged).
 *
 * Each line reaches the log once. Until a run's first frame or sample its lines are only kept (LineTail): a run
 * that ends without output reports them in its one restart line (or in the error that fails the source), and a
 * run that does produce forwards them then. Forwarding them as they came as well is what printed every ffmpeg
 * error of a dead RTSP camera three times (live, in the restart line, in the final error).
 */

/** Splits byte chunks into lines (\n or \r\n; ffmpeg's progress line uses \r, also a break here). */
export class LineSplitter {
  private partial = '';
  private readonly maxLineChars: number;

  /** Lines longer than `maxLineChars` (default 2000) are cut, so a child without newlines cannot grow memory. */
  constructor(maxLineChars = 2000) {
    this.maxLineChars = maxLineChars;
  }

  push(chunk: Buffer | string): string[] {
    const parts = (this.partial + chunk.toString()).split(/\r\n|\n|\r/);
    this.partial = parts.pop()!.slice(0, this.maxLineChars);
    return parts.map((line) => line.slice(0, this.maxLineChars)).filter((line) => line.trim() !== '');
  }

  /** The unterminated last line, if any. */
  end(): string[] {
    const last = this.partial;
    this.partial = '';
    return last.trim() === '' ? [] : [last];
  }
}

/** The last `size` lines seen, and how many earlier ones were not kept. */
export class LineTail {
  private readonly kept: string[] = [];
  private readonly size: number;
  /** Lines pushed out by later ones since the last clear(). */
  dropped = 0;

  constructor(size = 10) {
    this.size = size;
  }

  push(line: string): void {
    this.kept.push(line);
    if (this.kept.length > this.size) {
      this.kept.shift();
      this.dropped += 1;
    }
  }

  get lines(): readonly string[] {
    return this.kept;
  }

  /** The kept lines joined with ` | `, for one-line messages (after how many were not kept); `''` when none. */
  text(): string {
    const lost = this.dropped > 0 ? [`(${this.dropped} earlier line${this.dropped === 1 ? '' : 's'} left out)`] : [];
    return [...lost, ...this.kept].join(' | ');
  }

  clear(): void {
    this.kept.length = 0;
    this.dropped = 0;
  }
}

/**
 * At most `burst` messages per `windowMs`; the first message after a window with suppressed ones says how many
 * were left out.
 */
export class RateLimitedWarn {
  private readonly warn: (message: string) => void;
  private readonly burst: number;
  private readonly windowMs: number;
  private windowStart = -Infinity;
  private sent = 0;
  private suppressed = 0;

  constructor(warn: (message: string) => void, options: { burst?: number; windowMs?: number } = {}) {
    this.warn = warn;
    this.burst = options.burst ?? 10;
    this.windowMs = options.windowMs ?? 10_000;
  }

  /** Total messages left out so far. */
  suppressedTotal = 0;

  send(message: string, now = performance.now()): void {
    if (now - this.windowStart >= this.windowMs) {
      const skipped = this.suppressed;
      this.windowStart = now;
      this.sent = 0;
      this.suppressed = 0;
      if (skipped > 0) {
        this.warn(`(${skipped} similar line${skipped === 1 ? '' : 's'} left out)`);
        this.sent += 1;
      }
    }
    if (this.sent < this.burst) {
      this.sent += 1;
      this.warn(message);
    } else {
      this.suppressed += 1;
      this.suppressedTotal += 1;
    }
  }
}

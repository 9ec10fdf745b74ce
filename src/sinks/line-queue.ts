/**
 * A bounded FIFO of text lines, by count and by bytes, for sinks that write in the background. Lines are
 * removed only once written (peek, write, then `remove`), so a failed write is retried with the same lines.
 */
export interface LineQueueLimits {
  /** Most lines held (default 10,000). */
  maxLines: number;
  /** Most UTF-8 bytes held (default 16 MiB). */
  maxBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: LineQueueLimits = { maxLines: 10_000, maxBytes: 16 * 1024 * 1024 };

export interface LineBatch {
  /** The lines, concatenated, as UTF-8. */
  bytes: Buffer;
  /** How many lines. */
  lines: number;
}

export class LineQueue {
  private readonly limits: LineQueueLimits;
  private items: Array<{ text: string; bytes: number }> = [];
  private head = 0;
  private totalBytes = 0;

  constructor(limits: Partial<LineQueueLimits> = {}) {
    this.limits = { ...DEFAULT_QUEUE_LIMITS, ...limits };
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Adds a line, or returns false (and keeps nothing) when that would pass a limit. */
  push(text: string): boolean {
    const bytes = Buffer.byteLength(text);
    if (this.length >= this.limits.maxLines || this.totalBytes + bytes > this.limits.maxBytes) return false;
    this.items.push({ text, bytes });
    this.totalBytes += bytes;
    return true;
  }

  /** Byte length of the first line (0 when empty). */
  headBytes(): number {
    return this.items[this.head]?.bytes ?? 0;
  }

  /** The first line, without removing it. */
  peek(): string | undefined {
    return this.items[this.head]?.text;
  }

  /** The first lines up to `maxBytes` together, and at least one (a line longer than the limit goes alone). */
  peekBatch(maxBytes: number): LineBatch {
    const texts: string[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (texts.length > 0 && bytes + item.bytes > maxBytes) break;
      texts.push(item.text);
      bytes += item.bytes;
    }
    return { bytes: Buffer.from(texts.join(''), 'utf8'), lines: texts.length };
  }

  /** Removes the first `count` lines. */
  remove(count: number): void {
    const end = Math.min(this.items.length, this.head + count);
    for (let i = this.head; i < end; i++) this.totalBytes -= this.items[i]!.bytes;
    this.head = end;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Empties the queue, returning how many lines it held. */
  clear(): number {
    const count = this.length;
    this.remove(count);
    return count;
  }
}

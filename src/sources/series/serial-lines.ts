/**
 * Bytes from a serial port into lines (`\n`, `\r\n` or a lone `\r`), with a bounded line length: a device that
 * sends garbage without newlines (wrong baud rate, noise) costs at most `maxLineBytes` of memory, and the
 * over-long line is dropped and counted rather than cut into a wrong value.
 */

export const DEFAULT_MAX_LINE_BYTES = 4096;

export class SerialLineSplitter {
  private readonly maxLineBytes: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an over-long line: drop bytes until its end. */
  private discarding = false;
  /** Lines dropped for being longer than the limit. */
  overlong = 0;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  /** The complete lines in `chunk` (without their terminators; empty lines left out). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i]!;
      if (byte !== 0x0a && byte !== 0x0d) continue;
      this.take(chunk.subarray(start, i), lines);
      start = i + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0 && !this.discarding) {
      if (this.pendingBytes + rest.length > this.maxLineBytes) this.startDiscarding();
      else {
        this.pending.push(Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
    return lines;
  }

  /** Drops the unterminated line (the port closed mid-line); true if there was one. */
  reset(): boolean {
    const had = this.pendingBytes > 0 || this.discarding;
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = false;
    return had;
  }

  private take(tail: Buffer, lines: string[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.pendingBytes + tail.length > this.maxLineBytes) {
      this.overlong += 1;
      this.reset();
      return;
    }
    const bytes = this.pendingBytes === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.pending = [];
    this.pendingBytes = 0;
    const line = bytes.toString('utf8').trim();
    if (line !== '') lines.push(line);
  }

  private startDiscarding(): void {
    this.overlong += 1;
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = true;
  }
}

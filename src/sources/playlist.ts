/**
 * The order in which an images source reads its files: the listing, then (with `watch`) files that settled
 * later. Without `loop` it is a queue (a file rewritten after it was read is queued again); with `loop` a cycle
 * (new files join the cycle, rewritten ones are simply read afresh on their turn).
 */
export class Playlist {
  private files: string[];
  private cursor = 0;
  private readonly loop: boolean;
  /** loop: every file in the cycle. queue: files waiting at or after the cursor. */
  private readonly members: Set<string>;
  /** Signature of each file when it was last read (queue mode: a rewrite is told apart from a re-notification). */
  private readonly readAs = new Map<string, string>();
  /** next() calls since the last file that was read successfully (loop: a whole cycle without one = exhausted). */
  private sinceRead = 0;
  private waiter: (() => void) | undefined;

  constructor(files: readonly string[], loop: boolean) {
    this.files = [...files];
    this.loop = loop;
    this.members = new Set(files);
  }

  get size(): number {
    return this.loop ? this.files.length : this.files.length - this.cursor;
  }

  /** The next file to read, or undefined when there is none now (end of queue, or a loop where nothing reads). */
  next(): string | undefined {
    if (this.loop) {
      if (this.files.length === 0 || this.sinceRead >= this.files.length) return undefined;
      if (this.cursor >= this.files.length) this.cursor = 0;
    } else if (this.cursor >= this.files.length) {
      return undefined;
    }
    const file = this.files[this.cursor++]!;
    this.sinceRead += 1;
    if (!this.loop) {
      this.members.delete(file);
      this.compact();
    }
    return file;
  }

  /** `file` was read with this signature. */
  markRead(file: string, signature: string): void {
    this.sinceRead = 0;
    if (!this.loop) this.readAs.set(file, signature);
  }

  /** A settled file from the watcher. Returns whether it was queued (and wakes `waitForMore`). */
  offer(file: string, signature: string): boolean {
    if (this.members.has(file)) {
      // loop: the file is read afresh on its turn; if the cycle had run dry (nothing readable), try again.
      if (this.loop) {
        this.sinceRead = 0;
        this.wake();
      }
      return false;
    }
    if (!this.loop && this.readAs.get(file) === signature) return false;
    this.files.push(file);
    this.members.add(file);
    this.sinceRead = 0;
    this.wake();
    return true;
  }

  /** The file is gone: leave it out of the cycle and forget its signature. */
  remove(file: string): void {
    this.readAs.delete(file);
    if (!this.loop || !this.members.has(file)) return;
    const index = this.files.indexOf(file);
    this.files.splice(index, 1);
    this.members.delete(file);
    if (index < this.cursor) this.cursor -= 1;
  }

  /** Resolves when `offer` adds a file or `signal` aborts. */
  waitForMore(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.waiter = undefined;
        resolve();
      };
      this.waiter = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    this.waiter?.();
  }

  /** Queue mode keeps no read prefix around: a watched drop folder runs for months. */
  private compact(): void {
    if (this.cursor >= 1024 && this.cursor * 2 >= this.files.length) {
      this.files = this.files.slice(this.cursor);
      this.cursor = 0;
    }
  }
}

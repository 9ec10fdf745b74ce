/**
 * Watches one directory for files that appear (created, written, renamed into place) and reports each once its
 * size and mtime stopped changing: a file still being written is not handed out half-done.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A file whose size and mtime held still for one settle interval. */
export interface SettledFile {
  path: string;
  /** `ino:size:mtimeMs`: changes when the file is rewritten or replaced. */
  signature: string;
}

export interface DirectoryWatcherOptions {
  /** Inode of the directory when it was checked: a different one (or none) means ours was removed or replaced. */
  ino: number;
  /** Quiet time before and between the two stats that must agree, ms (a file settles 2x this after its last write). */
  settleMs: number;
  /** Which names to consider (the images source: supported extensions, no dot-files). */
  accept: (name: string) => boolean;
  onSettled: (file: SettledFile) => void;
  /** The file went away (deleted or renamed out). */
  onGone: (filePath: string) => void;
  onError: (error: Error) => void;
}

interface Pending {
  timer: NodeJS.Timeout;
  last: string | undefined;
}

export function fileSignature(info: { ino: number; size: number; mtimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}

export class DirectoryWatcher {
  private readonly directory: string;
  private readonly options: DirectoryWatcherOptions;
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(directory: string, options: DirectoryWatcherOptions) {
    this.directory = directory;
    this.options = options;
  }

  /** Starts watching (synchronously: events from now on are seen). Throws if the directory cannot be watched. */
  start(): void {
    this.watcher = watch(this.directory, { persistent: true }, (_event, filename) => {
      if (this.closed) return;
      // Linux always names the file; elsewhere a missing name means "something changed": look at everything.
      if (filename === null) void this.rescan();
      else if (filename.toString() === path.basename(this.directory)) void this.checkDirectory(filename.toString());
      else this.touch(filename.toString());
    });
    this.watcher.on('error', (error: Error) => {
      if (!this.closed) this.options.onError(error);
    });
  }

  /** Whether the fs watcher is open (for tests and diagnostics). */
  get active(): boolean {
    return this.watcher !== undefined && !this.closed;
  }

  /** Stops watching and clears every settle timer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.close();
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
  }

  /**
   * Linux reports the removal of the watched directory itself as an event named after it, and the watch is dead
   * from then on: tell the owner rather than wait forever. (A file of the same name inside is a normal event.)
   */
  private async checkDirectory(name: string): Promise<void> {
    const info = await stat(this.directory).catch(() => undefined);
    if (this.closed) return;
    if (info?.isDirectory() && info.ino === this.options.ino) {
      this.touch(name);
      return;
    }
    this.options.onError(Object.assign(new Error(`${this.directory} was removed or replaced`), { code: 'ENOENT' }));
  }

  private async rescan(): Promise<void> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    for (const name of names) if (!this.closed) this.touch(name);
  }

  /** An event for `name`: (re)start its settle timer, keeping the last observation. */
  private touch(name: string): void {
    if (!this.options.accept(name)) return;
    const existing = this.pending.get(name);
    if (existing) clearTimeout(existing.timer);
    this.pending.set(name, { timer: this.arm(name), last: existing?.last });
  }

  private arm(name: string): NodeJS.Timeout {
    return setTimeout(() => void this.check(name), this.options.settleMs);
  }

  private async check(name: string): Promise<void> {
    const entry = this.pending.get(name);
    if (!entry || this.closed) return;
    const filePath = path.join(this.directory, name);
    const info = await stat(filePath).catch(() => undefined);
    if (this.closed || this.pending.get(name) !== entry) return; // closed, or a newer event re-armed it
    if (!info || !info.isFile()) {
      this.pending.delete(name);
      if (!info) this.options.onGone(filePath);
      return;
    }
    const signature = fileSignature(info);
    if (signature === entry.last) {
      this.pending.delete(name);
      // An empty file (created, not written yet) waits for the event its first write brings.
      if (info.size > 0) this.options.onSettled({ path: filePath, signature });
      return;
    }
    // Changed since the last look: look again after another quiet period.
    this.pending.set(name, { timer: this.arm(name), last: signature });
  }
}

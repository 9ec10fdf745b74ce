/**
 * The file sink's pictures: the best snapshot of each end event (track_end, removed; src/tracking/best-snapshots.ts)
 * as a JPEG in `<events file's folder>/snapshots/`, named `<pipeline>-track-<id>-<time>.jpg` (time: the picture's
 * capture time, UTC, `20261207T142355259Z`), which the event line names as a path relative to the events file.
 *
 * Never in the event loop's way and never at the event line's cost: event() only queues (at most
 * `maxPending` pictures; more are dropped, counted, and their line names no file); one background writer writes
 * each to a hidden temporary name with fs/promises and renames it into place (a reader never sees half a picture).
 * A failing write (full disk, permissions) removes its temporary file, is counted and logged (one line per 10 s),
 * and is not retried: the event line is written all the same. The folder is bounded: beyond `maxFiles` pictures
 * or `maxBytes` bytes (this pipeline's, counted from the folder at the first picture, so across restarts) the
 * oldest are removed, counted.
 */
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RepeatLimiter } from '../runtime/repeat-limiter.js';
import { describeFsError, errnoCode } from './errors.js';

export interface SnapshotFileLimits {
  /** Pictures of this pipeline kept in the folder at most (default 500). */
  maxFiles: number;
  /** Their bytes together at most (default 20 MiB). */
  maxBytes: number;
  /** Pictures waiting to be written at most; more are dropped (default 16, under 1 MiB at 48 KiB each). */
  maxPending: number;
}

/** 500 pictures of 10-48 KB: 5-20 MB, a few days of a busy door on a board's SD card. */
export const DEFAULT_SNAPSHOT_FILE_LIMITS: SnapshotFileLimits = { maxFiles: 500, maxBytes: 20 * 1024 * 1024, maxPending: 16 };

/** The folder's name beside the events file. */
export const SNAPSHOT_FOLDER = 'snapshots';

export interface SnapshotFileCounts {
  /** Pictures written. */
  written: number;
  /** Older pictures removed to stay within maxFiles and maxBytes. */
  removed: number;
  /** Pictures not written: the queue was full, or one alone was larger than maxBytes. */
  dropped: number;
  /** Failed writes (and removals): each picture is tried once. */
  errors: number;
}

interface Kept {
  name: string;
  bytes: number;
}

/** `2026-12-07T14:23:55.259Z` -> `20261207T142355259Z`: sorts by time, no character a file system refuses. */
function stamp(atMs: number): string {
  return Number.isFinite(atMs) ? new Date(atMs).toISOString().replace(/[-:.]/g, '') : 'unknown-time';
}

export class SnapshotFiles {
  readonly counts: SnapshotFileCounts = { written: 0, removed: 0, dropped: 0, errors: 0 };
  lastError: string | undefined;
  private readonly dir: string;
  private readonly prefix: string;
  private readonly limits: SnapshotFileLimits;
  private readonly errorLog: RepeatLimiter;
  /** This pipeline's pictures in the folder, oldest first, once scanned. */
  private kept: Kept[] | undefined;
  private keptBytes = 0;
  private readonly queue: Array<{ name: string; jpeg: Uint8Array }> = [];
  /** Names queued or written in this run: an event that shares its track's picture (removed after track_end) reuses the file. */
  private readonly named = new Set<string>();
  private writer: Promise<void> | undefined;
  private halted = false;

  /**
   * `eventsFile`: the sink's file (the folder goes beside it). `pipeline`: the name that starts each file's name
   * (characters other than letters, digits, `_` and `-` become `_`).
   */
  constructor(eventsFile: string, pipeline: string, limits: Partial<SnapshotFileLimits> = {}, private readonly warn: (message: string) => void, private readonly sinkName: string) {
    this.dir = path.join(path.dirname(eventsFile), SNAPSHOT_FOLDER);
    this.prefix = `${pipeline.replace(/[^A-Za-z0-9_-]/g, '_')}-track-`;
    this.limits = { ...DEFAULT_SNAPSHOT_FILE_LIMITS, ...limits };
    this.errorLog = new RepeatLimiter(warn, { windowMs: 10_000 });
  }

  /** Pictures waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Pictures of this pipeline in the folder and their bytes (after the first picture; zeros before). */
  get held(): { files: number; bytes: number } {
    return { files: this.kept?.length ?? 0, bytes: this.keptBytes };
  }

  /**
   * Queues the picture of track `trackId` taken at `atMs` (wall ms) and returns the path the event line names
   * (`snapshots/<name>.jpg`, relative to the events file's folder), or undefined when it is dropped (counted).
   */
  add(trackId: number, atMs: number, jpeg: Uint8Array): string | undefined {
    const name = `${this.prefix}${trackId}-${stamp(atMs)}.jpg`;
    const relative = `${SNAPSHOT_FOLDER}/${name}`;
    if (this.named.has(name)) return relative;
    if (this.halted || this.queue.length >= this.limits.maxPending || jpeg.byteLength > this.limits.maxBytes) {
      this.counts.dropped += 1;
      return undefined;
    }
    // The stage does not reuse the picture's buffer (it releases it at the track's end): no copy needed.
    this.queue.push({ name, jpeg });
    this.named.add(name);
    // Bounded: the names of this run, kept only to spot the second event of a track (it follows at once).
    if (this.named.size > 4 * this.limits.maxPending) this.named.delete(this.named.values().next().value!);
    this.writer ??= this.drain().finally(() => (this.writer = undefined));
    return relative;
  }

  /** Resolves once every queued picture is written or given up. */
  async idle(): Promise<void> {
    while (this.writer) await this.writer;
  }

  /** Drops the pictures not yet written (counted); the one being written finishes. */
  halt(): void {
    this.halted = true;
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    this.errorLog.flush();
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.write(next.name, next.jpeg);
    }
  }

  private async write(name: string, jpeg: Uint8Array): Promise<void> {
    const final = path.join(this.dir, name);
    const temporary = path.join(this.dir, `.${name}.tmp`);
    try {
      await this.scan();
      await writeFile(temporary, jpeg);
      await rename(temporary, final);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      this.failed(`cannot write ${final}`, error, 'the event line names it all the same');
      return;
    }
    this.counts.written += 1;
    this.kept!.push({ name, bytes: jpeg.byteLength });
    this.keptBytes += jpeg.byteLength;
    await this.trim();
  }

  /** The folder's pictures of this pipeline, oldest first (by modification time), once; leftover temporary files removed. */
  private async scan(): Promise<void> {
    if (this.kept) return;
    await mkdir(this.dir, { recursive: true });
    const found: Array<Kept & { mtimeMs: number }> = [];
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(this.dir, entry.name);
      if (entry.name.startsWith(`.${this.prefix}`) && entry.name.endsWith('.tmp')) {
        await unlink(file).catch(() => undefined);
        continue;
      }
      if (!entry.name.startsWith(this.prefix) || !entry.name.endsWith('.jpg')) continue;
      const info = await stat(file).catch(() => undefined);
      if (info) found.push({ name: entry.name, bytes: info.size, mtimeMs: info.mtimeMs });
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
    this.kept = found.map(({ name, bytes }) => ({ name, bytes }));
    this.keptBytes = found.reduce((sum, f) => sum + f.bytes, 0);
  }

  /** Removes the oldest pictures while over the limits. */
  private async trim(): Promise<void> {
    const kept = this.kept!;
    while (kept.length > this.limits.maxFiles || (this.keptBytes > this.limits.maxBytes && kept.length > 0)) {
      const oldest = kept.shift()!;
      this.keptBytes -= oldest.bytes;
      try {
        await unlink(path.join(this.dir, oldest.name));
        this.counts.removed += 1;
      } catch (error) {
        // Gone already (removed by a person): nothing to count. Otherwise it stays, outside the count.
        if (errnoCode(error) !== 'ENOENT') this.failed(`cannot remove ${path.join(this.dir, oldest.name)}`, error, 'it is no longer counted against the limits');
      }
    }
  }

  private failed(what: string, error: unknown, consequence: string): void {
    this.counts.errors += 1;
    this.lastError = `${what}: ${describeFsError(error)}`;
    this.errorLog.log('snapshot', `sink ${this.sinkName}: ${this.lastError} (${consequence})`);
  }
}

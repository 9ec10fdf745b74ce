/**
 * The `file` sink: JSON lines appended to a file, rotated by size (`path.1` ... `path.<keep>`). write() only
 * queues (bounded); one background writer appends batches with fs.promises, one write at a time. A failing disk
 * (full, removed, read-only) is retried with backoff and never crashes the service: accepted lines wait in the
 * queue, new ones are dropped, counted and logged (one line per DROP_WARN_MS) once it is full, and writing resumes
 * when the disk is back. End events' best pictures go to `snapshots/` beside the file (file-snapshots.ts).
 */
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FileSinkConfig } from '../config/types.js';
import type { Prediction } from '../core/frame.js';
import { defaultSinkWarn, describeFsError, errnoCode, sinkError } from './errors.js';
import { delay, within } from './timing.js';
import { rotateFiles } from './file-rotation.js';
import { predictionLine } from './json-lines.js';
import { trackEventLine } from '../events/record.js';
import type { TrackEvent } from '../core/events.js';
import { LineQueue, type LineQueueLimits } from './line-queue.js';
import { SnapshotFiles, type SnapshotFileCounts, type SnapshotFileLimits } from './file-snapshots.js';
import type { PredictionSink, SinkContext, SinkStats } from './types.js';
import { RepeatLimiter } from '../runtime/repeat-limiter.js';

/** Drop warnings (queue full): at most one line per this many ms; the next line says how many were not shown. */
const DROP_WARN_MS = 10_000;

export interface FileSinkOptions extends SinkContext {
  /** Lines held in memory before drops begin (default 10,000 lines, 16 MiB). */
  queue?: Partial<LineQueueLimits>;
  /** Most bytes per write call (default 256 KiB). */
  maxBatchBytes?: number;
  /** First retry delay after a failed write, doubling up to retryMaxMs, ms (default 100). */
  retryInitialMs?: number;
  /** Longest retry delay, ms (default 5,000). */
  retryMaxMs?: number;
  /** flush() waits at most this long, ms (default 5,000). */
  flushTimeoutMs?: number;
  /** stop() waits this long for accepted lines to reach the disk, then counts the rest as dropped, ms (default 5,000). */
  stopTimeoutMs?: number;
  /** Bounds of the end events' pictures beside the file (default 500 files, 20 MiB, 16 waiting). */
  snapshots?: Partial<SnapshotFileLimits>;
}

/**
 * The file sink's stats: the lines', and its pictures' once it had one (`pictures`: the MQTT sink's `snapshots`
 * counts other things; schema/stats.schema.json).
 */
export interface FileSinkStats extends SinkStats {
  pictures?: SnapshotFileCounts & { pending: number; files: number; bytes: number; lastError?: string };
}

export class FileSink implements PredictionSink {
  readonly kind = 'file';
  readonly name: string;
  private readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly queue: LineQueue;
  private readonly maxBatchBytes: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private readonly flushTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly dropWarn: RepeatLimiter;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  private handle: FileHandle | undefined;
  /** Inode of the open file: a different one at `path` means someone moved or deleted ours. */
  private ino = -1;
  /** Bytes in the current file. */
  private size = 0;
  private counts = { written: 0, dropped: 0, errors: 0 };
  private lastError: string | undefined;
  /** Consecutive failed attempts (0 while healthy). */
  private failures = 0;
  /** Lines accepted so far, and lines settled (written, or given up at stop): flush waits on these. */
  private accepted = 0;
  private settled = 0;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];
  /** The background writer runs (set and cleared synchronously inside pump()). */
  private pumpActive = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private readonly halt = new AbortController();
  private readonly pictures: SnapshotFiles;

  constructor(pipelineName: string, config: FileSinkConfig, options: FileSinkOptions = {}) {
    this.name = `${pipelineName}/file`;
    this.path = path.resolve(config.path);
    this.maxBytes = config.maxBytes;
    this.keep = config.keep;
    this.queue = new LineQueue(options.queue);
    this.maxBatchBytes = options.maxBatchBytes ?? 256 * 1024;
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
    this.flushTimeoutMs = options.flushTimeoutMs ?? 5000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    this.warn = options.warn ?? defaultSinkWarn;
    this.dropWarn = new RepeatLimiter(this.warn, { windowMs: DROP_WARN_MS });
    this.pictures = new SnapshotFiles(this.path, pipelineName, options.snapshots, this.warn, this.name);
  }

  /** Creates the parent folders and opens the file for appending. Rejects (ERR_SINK_OPEN) naming the path. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1) {
      throw sinkError(this.name, 'ERR_SINK_INVALID', `maxBytes must be an integer >= 1, got ${this.maxBytes}`);
    }
    if (!Number.isInteger(this.keep) || this.keep < 0) {
      throw sinkError(this.name, 'ERR_SINK_INVALID', `keep must be an integer >= 0, got ${this.keep}`);
    }
    try {
      await this.open();
    } catch (error) {
      throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot open ${this.path}: ${describeFsError(error)}`, error);
    }
    this.state = 'running';
  }

  write(prediction: Prediction): void {
    this.accept(predictionLine(prediction));
  }

  /**
   * A track event as one line among the predictions (same queue, order and counters). An end event's picture is
   * queued for snapshots/ and the line names it (`snapshot.ref`, relative to this file's folder).
   */
  event(event: TrackEvent): void {
    const snapshot = 'snapshot' in event ? event.snapshot : undefined;
    if (snapshot?.jpeg && this.state === 'running') {
      const ref = this.pictures.add(event.trackId, snapshot.atMs, snapshot.jpeg);
      if (ref) {
        this.accept(trackEventLine({ ...event, snapshot: { ...snapshot, ref } } as TrackEvent));
        return;
      }
    }
    this.accept(trackEventLine(event));
  }

  private accept(line: string): void {
    if (this.state !== 'running') {
      this.counts.dropped += 1;
      return;
    }
    if (!this.queue.push(line)) {
      this.counts.dropped += 1;
      const why = this.lastError === undefined || this.failures === 0 ? '' : `; ${this.lastError}`;
      this.dropWarn.log('queue-full', `sink ${this.name}: queue full (${this.queue.length} prediction(s) held${why}): dropping new predictions`);
      return;
    }
    this.accepted += 1;
    this.kick();
  }

  flush(): Promise<boolean> {
    if (this.state === 'new') return Promise.resolve(true);
    return within(Promise.all([this.delivered(), this.pictures.idle()]), this.flushTimeoutMs);
  }

  /** Resolves once every line accepted so far is settled (written, or given up at stop) and fsync'd. */
  private delivered(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ upTo: this.accepted, resolve });
      this.kick();
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  stats(): FileSinkStats {
    const stats: FileSinkStats = { ...this.counts, pending: this.queue.length, ...(this.lastError === undefined ? {} : { lastError: this.lastError }) };
    const p = this.pictures;
    if (p.counts.written + p.counts.dropped + p.counts.errors + p.pending > 0) {
      stats.pictures = { ...p.counts, pending: p.pending, ...p.held, ...(p.lastError === undefined ? {} : { lastError: p.lastError }) };
    }
    return stats;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (!wasRunning) return;
    const stopBy = performance.now() + this.stopTimeoutMs;
    const flushed = this.delivered();
    // The pictures share the stop budget with the lines; those not written by then are dropped, counted.
    const pictures = this.pictures.idle();
    if (!(await within(flushed, this.stopTimeoutMs))) {
      const lost = this.queue.clear();
      this.counts.dropped += lost;
      this.settled += lost;
      this.halt.abort();
      this.warn(`sink ${this.name}: stopped with ${lost} prediction(s) not written to ${this.path}: ${this.lastError ?? 'the disk is too slow'}`);
      await flushed;
    }
    if (!(await within(pictures, Math.max(0, stopBy - performance.now())))) this.pictures.halt();
    await this.pumpDone;
    await this.closeHandle(true);
  }

  /** Starts the background writer unless it runs. */
  private kick(): void {
    if (!this.pumpActive) this.pumpDone = this.pump();
  }

  private async pump(): Promise<void> {
    this.pumpActive = true;
    try {
      for (;;) {
        if (this.queue.length > 0 && !this.halt.signal.aborted) {
          if (!(await this.writeBatch())) await delay(this.backoffMs(), this.halt.signal);
        }
        if (this.waiters.some((w) => w.upTo <= this.settled)) await this.syncAndWake();
        if (this.queue.length === 0 || this.halt.signal.aborted) {
          if (!this.waiters.some((w) => w.upTo <= this.settled)) break;
        }
      }
    } finally {
      // Cleared in the same synchronous step that saw nothing left to do, so a write() right after starts a new pump.
      this.pumpActive = false;
    }
  }

  private backoffMs(): number {
    return Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** Math.max(0, this.failures - 1));
  }

  /** Appends one batch; false (error counted) when it failed and should be retried. */
  private async writeBatch(): Promise<boolean> {
    try {
      await this.ensureCurrentFile();
      if (this.size > 0 && this.size + this.queue.headBytes() > this.maxBytes) await this.rotate();
      const batch = this.queue.peekBatch(Math.min(this.maxBytes - this.size, this.maxBatchBytes));
      const before = this.size;
      try {
        await writeAll(this.handle!, batch.bytes);
      } catch (error) {
        // Leave no torn line behind (a full disk may take part of a batch): the whole batch is retried.
        await this.handle?.truncate(before).catch(() => undefined);
        throw error;
      }
      this.size += batch.bytes.length;
      this.queue.remove(batch.lines);
      this.counts.written += batch.lines;
      this.settled += batch.lines;
      if (this.failures > 0) {
        this.warn(`sink ${this.name}: writing ${this.path} again after ${this.failures} failed attempt(s)`);
        this.failures = 0;
      }
      return true;
    } catch (error) {
      this.counts.errors += 1;
      this.failures += 1;
      this.lastError = `${this.path}: ${describeFsError(error)}`;
      if (this.failures === 1) {
        this.warn(`sink ${this.name}: cannot write ${this.lastError}; retrying, ${this.queue.length} prediction(s) held`);
      }
      await this.closeHandle(false);
      return false;
    }
  }

  /** Opens the file if it is not open, or reopens it if it was deleted or moved away (by a person or logrotate). */
  private async ensureCurrentFile(): Promise<void> {
    if (this.handle) {
      const info = await stat(this.path).catch((error: unknown) => {
        if (errnoCode(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (info?.ino === this.ino) return;
      await this.closeHandle(false);
    }
    await this.open();
  }

  private async open(): Promise<void> {
    await mkdir(path.dirname(this.path), { recursive: true });
    const handle = await open(this.path, 'a');
    try {
      const info = await handle.stat();
      this.size = info.size;
      this.ino = info.ino;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.handle = handle;
  }

  private async rotate(): Promise<void> {
    await this.closeHandle(true);
    await rotateFiles(this.path, this.keep);
    await this.open();
  }

  /** fsync (when asked) and close; failures here are counted, never thrown. */
  private async closeHandle(sync: boolean): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    if (sync) await handle.sync().catch((error: unknown) => this.recordQuietError(error));
    await handle.close().catch(() => undefined);
  }

  /** fsync, then resolve the flushes whose lines are all settled. A failed fsync is counted (and not retried). */
  private async syncAndWake(): Promise<void> {
    const ready = this.waiters.filter((w) => w.upTo <= this.settled);
    this.waiters = this.waiters.filter((w) => w.upTo > this.settled);
    if (this.handle) await this.handle.sync().catch((error: unknown) => this.recordQuietError(error));
    for (const waiter of ready) waiter.resolve();
  }

  private recordQuietError(error: unknown): void {
    this.counts.errors += 1;
    this.lastError = `${this.path}: ${describeFsError(error)}`;
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

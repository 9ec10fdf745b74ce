/**
 * The storing side of one outbox stream: the background committer that appends queued messages to the segment
 * files and fsyncs them (group commit: whatever arrived while the previous fsync ran goes in the next one), and
 * the seq reservation.
 *
 * A disk that cannot take a batch (full, EIO): acknowledged segments are deleted (the watermark is saved in
 * place, so that works on a full disk) and the batch tried once more; if it still fails it is dropped, counted and
 * logged (one line per WARN_MS), and the next batch is tried after a short backoff, so storing resumes by itself
 * when space returns. Seqs are reserved on disk ahead of use (SEQ_BLOCK at a time) and a message is stored only
 * below a saved reservation: after a crash, a lost segment or a dropped batch the seq has a gap, and a seq is
 * never used for two messages (issue 11).
 */
import { describeFsError } from '../errors.js';
import { delay } from '../timing.js';
import { RepeatLimiter } from '../../runtime/repeat-limiter.js';
import type { OutboxFiles, OutboxRecord } from './outbox-files.js';
import type { OutboxQueue } from './outbox-queue.js';

/** Storage warnings: at most one line per this many ms (the rest are counted in the next line). */
const WARN_MS = 10_000;

/**
 * Seqs reserved on disk at a time; a new reservation is saved once half is used. A crash makes the seq jump to the
 * end of the reservation: at most this many numbers skipped.
 */
export const SEQ_BLOCK = 1000;

/** Backoff between attempts to store while the disk fails (ms): short, so storing resumes soon after space returns. */
const STORE_RETRY_MS = { initial: 100, max: 1000 };

export interface OutboxWriterHost {
  files: OutboxFiles;
  queue: OutboxQueue;
  /** Counters the writer adds to: errors per failed attempt, dropped and unstored per message it drops. */
  counts: { errors: number; dropped: number; unstored: number };
  /** Aborted at close: the committer stops between batches. */
  halt: AbortSignal;
  /** The next seq the stream will hand out. */
  nextSeq(): number;
  /** Logs one line (the caller adds the sink's name). */
  warn(message: string): void;
  /** Records an error as the sink's latest. */
  failed(message: string): void;
  /** Messages became durable: publish them. */
  stored(): void;
  /** Messages were dropped (settled): the watermark may move. */
  dropped(): void;
  /** Saves the watermark now (which deletes the segments it passed). */
  saveWatermark(): Promise<void>;
}

export class OutboxWriter {
  private toAppend: OutboxRecord[] = [];
  private committing: Promise<void> | undefined;
  private readonly storeWarn: RepeatLimiter;
  /** Messages dropped since storing last succeeded (0 while the disk takes them). */
  private unstoredRun = 0;
  /** No seq at or above this is used before a new reservation is saved (see SEQ_BLOCK). */
  private reserved = 0;
  private reserving: Promise<void> | undefined;

  constructor(private readonly host: OutboxWriterHost) {
    this.storeWarn = new RepeatLimiter(host.warn, { windowMs: WARN_MS });
  }

  /** Saves the first reservation (at open, before any seq is handed out). Throws on I/O errors. */
  async start(): Promise<void> {
    const target = this.host.nextSeq() + SEQ_BLOCK;
    await this.host.files.reserve(target);
    this.reserved = target;
  }

  /** Queues `record` (its seq just handed out) for the committer. */
  add(record: OutboxRecord): void {
    if (this.host.nextSeq() + SEQ_BLOCK / 2 > this.reserved) this.reserve();
    this.toAppend.push(record);
    this.commit();
  }

  /**
   * After halt: waits for the committer, then stores what is still in memory, or drops it, counted and logged
   * without rate limit (nothing accepted vanishes silently at stop).
   */
  async close(): Promise<void> {
    await this.committing;
    const rest = this.toAppend;
    this.toAppend = [];
    await this.store(rest, true);
    await this.reserving;
  }

  /** Appends queued messages and fsyncs, in batches; a batch the disk does not take is dropped (see store()). */
  private commit(): void {
    if (this.committing) return;
    this.committing = (async () => {
      let retryMs = STORE_RETRY_MS.initial;
      while (this.toAppend.length > 0 && !this.host.halt.aborted) {
        const batch = this.toAppend;
        this.toAppend = [];
        if (await this.store(batch, false)) {
          retryMs = STORE_RETRY_MS.initial;
        } else {
          await delay(retryMs, this.host.halt);
          retryMs = Math.min(retryMs * 2, STORE_RETRY_MS.max);
        }
      }
    })().finally(() => {
      this.committing = undefined;
      if (this.toAppend.length > 0 && !this.host.halt.aborted) this.commit();
    });
  }

  /**
   * Appends `batch` (those the bound did not drop meanwhile). On failure deletes acknowledged segments and tries
   * once more; then drops the batch, counted (dropped, unstored) and logged: at most one line per WARN_MS, except
   * at stop (`stopping`), which always says what it dropped. Returns whether the batch was stored.
   */
  private async store(records: readonly OutboxRecord[], stopping: boolean): Promise<boolean> {
    const { files, queue, counts } = this.host;
    const batch = records.filter((r) => queue.peek(r.seq) !== undefined);
    if (batch.length === 0) return true;
    await this.ensureReserved(batch.at(-1)!.seq);
    let failure: unknown;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await files.append(batch);
        failure = undefined;
        break;
      } catch (error) {
        failure = error;
        counts.errors += 1;
        if (attempt === 0) await this.host.saveWatermark();
      }
    }
    if (failure === undefined) {
      queue.markDurable(batch.map((r) => r.seq));
      if (this.unstoredRun > 0) this.host.warn(`outbox ${files.dir}: storing messages again after ${this.unstoredRun} could not be stored`);
      this.unstoredRun = 0;
      if (!stopping) this.host.stored();
      return true;
    }
    let dropped = 0;
    for (const record of batch) if (queue.settle(record.seq)) dropped += 1;
    counts.dropped += dropped;
    counts.unstored += dropped;
    this.unstoredRun += dropped;
    const what = `${dropped} message(s) (seq ${seqRanges(batch)}) not stored in the outbox ${files.dir}: ${describeFsError(failure)}; dropped`;
    this.host.failed(what);
    if (stopping) this.host.warn(`stopped with ${what}`);
    else this.storeWarn.log('store', what);
    this.host.dropped();
    return false;
  }

  /** Saves a new seq reservation in the background, one at a time. */
  private reserve(): void {
    if (this.reserving || this.host.halt.aborted) return;
    const target = this.host.nextSeq() + SEQ_BLOCK;
    this.reserving = this.host.files
      .reserve(target)
      .then(
        () => void (this.reserved = Math.max(this.reserved, target)),
        (error: unknown) => this.reserveFailed(error),
      )
      .finally(() => (this.reserving = undefined));
  }

  /** Before `seq` is stored (and may be published): a reservation above it is on disk, so no later run reuses it. */
  private async ensureReserved(seq: number): Promise<void> {
    await this.reserving;
    if (seq < this.reserved) return;
    const target = this.host.nextSeq() + SEQ_BLOCK;
    try {
      await this.host.files.reserve(target);
      this.reserved = Math.max(this.reserved, target);
    } catch (error) {
      this.reserveFailed(error);
    }
  }

  private reserveFailed(error: unknown): void {
    const message = `outbox ${this.host.files.dir}: cannot reserve seqs: ${describeFsError(error)}`;
    this.host.counts.errors += 1;
    this.host.failed(message);
    this.host.warn(message);
  }
}

/** `3-7, 9, 12-20` for [first, last] ranges (the first 5, then `...`). */
export function ranges(list: ReadonlyArray<readonly [number, number]>): string {
  const shown = list.slice(0, 5).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  return list.length > 5 ? `${shown.join(', ')}, ...` : shown.join(', ');
}

/** The seqs of `records` (in seq order) as ranges(). */
function seqRanges(records: readonly OutboxRecord[]): string {
  const out: Array<[number, number]> = [];
  for (const { seq } of records) {
    const last = out.at(-1);
    if (last && last[1] === seq - 1) last[1] = seq;
    else out.push([seq, seq]);
  }
  return ranges(out);
}

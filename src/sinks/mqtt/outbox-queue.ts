/**
 * The outbox in memory: unsettled messages in seq order, bounded in bytes and age (the oldest not in flight are
 * dropped first), with the settled watermark (every seq up to it acknowledged or dropped) that goes to disk.
 * Messages become sendable once durable (fsync-ed); a lost connection makes every unacknowledged one sendable again.
 */
import type { OutboxRecord } from './outbox-files.js';

interface Entry {
  record: OutboxRecord;
  bytes: number;
  durable: boolean;
  /** Published on the current connection, not yet acknowledged. */
  inFlight: boolean;
}

export interface OutboxLimits {
  maxBytes: number;
  maxAgeMs: number;
}

export class OutboxQueue {
  private readonly entries = new Map<number, Entry>();
  private bytes = 0;
  private settledAhead = new Set<number>();
  /** Every seq <= watermark is settled. */
  watermark: number;
  /** Next seq to consider for sending. */
  private cursor: number;
  /** The highest seq added. */
  private maxSeq: number;
  /** Refused messages to publish again before the cursor's next (see retry()). */
  private retries: number[] = [];

  constructor(
    private readonly limits: OutboxLimits,
    watermark: number,
  ) {
    this.watermark = watermark;
    this.cursor = watermark + 1;
    this.maxSeq = watermark;
  }

  /**
   * Takes what an earlier run left: `records` (unsettled, in seq order) and the seqs it used below `nextSeq`; seqs
   * missing among them (not in the outbox: dropped, unreadable, removed) count as settled so the watermark can
   * pass them. Returns how many of the records the bound dropped.
   */
  adopt(records: readonly OutboxRecord[], nextSeq: number): number {
    let dropped = 0;
    for (const record of records) dropped += this.add(record, true);
    let expected = this.watermark + 1;
    for (const { seq } of records) {
      for (let missing = expected; missing < seq; missing++) this.settledAhead.add(missing);
      expected = seq + 1;
    }
    if (records.length === 0) this.watermark = Math.max(this.watermark, nextSeq - 1);
    else for (let missing = expected; missing < nextSeq; missing++) this.settledAhead.add(missing);
    while (this.settledAhead.delete(this.watermark + 1)) this.watermark += 1;
    this.maxSeq = Math.max(this.maxSeq, nextSeq - 1);
    this.cursor = this.watermark + 1;
    return dropped;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds a message (durable when replayed from disk); returns how many older ones were dropped to make room. */
  add(record: OutboxRecord, durable: boolean): number {
    const bytes = record.payload.length + record.topic.length + 32;
    this.entries.set(record.seq, { record, bytes, durable, inFlight: false });
    this.maxSeq = Math.max(this.maxSeq, record.seq);
    this.bytes += bytes;
    let dropped = 0;
    for (const entry of this.entries.values()) {
      if (this.bytes <= this.limits.maxBytes || entry.record.seq === record.seq) break;
      if (entry.inFlight) continue;
      this.settle(entry.record.seq);
      dropped += 1;
    }
    return dropped;
  }

  /** Drops messages older than max age (not in flight); returns how many. */
  dropExpired(nowMs: number): number {
    let dropped = 0;
    for (const entry of this.entries.values()) {
      if (nowMs - entry.record.atMs <= this.limits.maxAgeMs) break;
      if (entry.inFlight) continue;
      this.settle(entry.record.seq);
      dropped += 1;
    }
    return dropped;
  }

  markDurable(seqs: readonly number[]): void {
    for (const seq of seqs) {
      const entry = this.entries.get(seq);
      if (entry) entry.durable = true;
    }
  }

  /**
   * The next message to publish on this connection (and marks it in flight): a refused one due for another
   * attempt first, else the next durable one in seq order.
   */
  takeNext(): OutboxRecord | undefined {
    while (this.retries.length > 0) {
      const entry = this.entries.get(this.retries.shift()!);
      if (entry && !entry.inFlight) return ((entry.inFlight = true), entry.record);
    }
    for (;;) {
      const entry = this.entries.get(this.cursor);
      if (!entry || entry.inFlight) {
        if (this.cursor > this.maxSeq) return undefined;
        this.cursor += 1;
        continue;
      }
      if (!entry.durable) return undefined;
      this.cursor += 1;
      entry.inFlight = true;
      return entry.record;
    }
  }

  /** The unsettled message `seq`, if any. */
  peek(seq: number): OutboxRecord | undefined {
    return this.entries.get(seq)?.record;
  }

  /** A refused message is no longer in flight (it waits for its retry; the bound may drop it meanwhile). */
  refused(seq: number): void {
    const entry = this.entries.get(seq);
    if (entry) entry.inFlight = false;
  }

  /** Publishes `seq` again at the next takeNext(), ahead of newer ones; false when it was settled meanwhile. */
  retry(seq: number): boolean {
    if (!this.entries.has(seq)) return false;
    this.retries.push(seq);
    return true;
  }

  /** Acknowledged or dropped; false when it was settled already (e.g. dropped while in flight, or a duplicate ack). */
  settle(seq: number): boolean {
    const entry = this.entries.get(seq);
    if (!entry) return false;
    this.entries.delete(seq);
    this.bytes -= entry.bytes;
    this.settledAhead.add(seq);
    while (this.settledAhead.delete(this.watermark + 1)) this.watermark += 1;
    return true;
  }

  /** After a lost connection: everything unacknowledged is published again, from the oldest. */
  resendAll(): void {
    for (const entry of this.entries.values()) entry.inFlight = false;
    this.cursor = this.watermark + 1;
    this.retries = [];
  }
}

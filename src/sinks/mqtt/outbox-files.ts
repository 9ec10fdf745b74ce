/**
 * The outbox on disk. Segment files `<first seq, 16 digits>.seg` hold one message per line,
 * `seq \t enqueued epoch ms \t topic \t payload \n` (topics cannot contain tabs or newlines, JSON payloads are on
 * one line); `state` (outbox-state.ts) holds the settled watermark (every seq up to it was acknowledged or
 * dropped) and the seq reservation, rewritten in place so that saving it never needs a new block. Appends are
 * written and fsync-ed before the messages may be published; a failed append is cut back off the segment, so a full
 * disk leaves no torn line for the next append to run into. A segment is deleted once all its messages are
 * settled, the newest too (the next append starts a new one). A torn last line (a crash mid-write) is ignored.
 */
import { mkdir, open, readFile, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OutboxState, removeLegacyWatermark, type WriteFault } from './outbox-state.js';

export interface OutboxRecord {
  seq: number;
  /** When the message entered the outbox, epoch ms (for max_age_s). */
  atMs: number;
  topic: string;
  payload: string;
}

export interface OutboxContents {
  /** Unsettled records, in seq order. */
  records: OutboxRecord[];
  /** Every seq up to this was settled (acknowledged or dropped). */
  watermark: number;
  /** The next seq to allocate: above every seq an earlier run used (or reserved). */
  nextSeq: number;
  /** Lines that could not be read (torn or corrupt). */
  skipped: number;
  /**
   * Seqs above the watermark that an earlier run used but that are not in the outbox, as [first, last] ranges:
   * messages it dropped (counted then), unreadable lines, segments removed or truncated between runs.
   */
  missing: Array<[number, number]>;
  /**
   * The earlier run did not stop cleanly (crash, SIGKILL, power cut): nextSeq is the end of its reservation, and
   * the seqs from `lastStored + 1` to nextSeq - 1 were lost in the crash or never used.
   */
  crashed: boolean;
  /** The highest seq found in the segments (0 when none). */
  lastStored: number;
  /** The state file held no valid slot (truncated, overwritten): watermark and reservation are lost. */
  stateUnreadable?: true;
}

const SEGMENT = /^(\d{16})\.seg$/u;
export const segmentName = (seq: number): string => `${String(seq).padStart(16, '0')}.seg`;

export class OutboxFiles {
  private handle: FileHandle | undefined;
  private segmentSize = 0;
  private segments: number[] = [];
  /** The highest seq written to a segment. */
  private lastAppended = 0;
  private state: OutboxState | undefined;
  /** Segment operations (append, prune, close) run one at a time. */
  private chain: Promise<unknown> = Promise.resolve();

  /** `segmentBytes`: start a new segment beyond this size. `fault`: tests inject write errors (EIO) here. */
  constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    private readonly fault?: WriteFault,
  ) {}

  /** Creates the folder if needed and reads what an earlier run left. */
  async open(): Promise<OutboxContents> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).map((name) => SEGMENT.exec(name)?.[1]).filter((m): m is string => m !== undefined);
    this.segments = names.map(Number).sort((a, b) => a - b);
    const all: OutboxRecord[] = [];
    let skipped = 0;
    for (const first of this.segments) {
      const text = await readFile(path.join(this.dir, segmentName(first)), 'utf8');
      const lines = text.split('\n');
      lines.pop(); // '' after the last newline, or a torn line
      if (!text.endsWith('\n') && text !== '') skipped += 1;
      for (const line of lines) {
        const record = parseLine(line);
        if (record) all.push(record);
        else skipped += 1;
      }
    }
    const lastStored = all.reduce((max, r) => Math.max(max, r.seq), 0);
    const legacy = await this.readLegacyWatermark();
    const { state, found, unreadable } = await OutboxState.open(this.dir, () => ({ watermark: legacy, next: Math.max(lastStored, legacy) + 1, clean: true }), this.fault);
    this.state = state;
    if (!found) await removeLegacyWatermark(this.dir);
    const watermark = found?.watermark ?? legacy;
    const nextSeq = Math.max(found?.next ?? 0, lastStored + 1, watermark + 1);
    const crashed = found !== undefined && !found.clean;
    const seen = new Set<number>();
    const records = all.filter((r) => r.seq > watermark && !seen.has(r.seq) && seen.add(r.seq)).sort((a, b) => a.seq - b.seq);
    // After a clean stop every seq below nextSeq was used; after a crash only those up to the last stored one are known to be.
    const missing = gaps(records, watermark, crashed ? Math.max(lastStored, watermark) : nextSeq - 1);
    this.lastAppended = lastStored;
    await this.exclusive(() => this.prune(watermark));
    return { records, watermark, nextSeq, skipped, missing, crashed, lastStored, ...(unreadable ? { stateUnreadable: true as const } : {}) };
  }

  /** Appends `records` and fsyncs. Throws on I/O errors, leaving the segment as it was (what was written is cut off). */
  append(records: readonly OutboxRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return this.exclusive(async () => {
      if (!this.handle || this.segmentSize >= this.segmentBytes) await this.rotate(records[0]!.seq);
      const handle = this.handle!;
      const text = records.map((r) => `${r.seq}\t${r.atMs}\t${r.topic}\t${r.payload}\n`).join('');
      const bytes = Buffer.from(text, 'utf8');
      const before = this.segmentSize;
      try {
        const injected = this.fault?.(path.join(this.dir, segmentName(this.segments.at(-1)!)));
        if (injected) throw injected;
        let offset = 0;
        while (offset < bytes.length) offset += (await handle.write(bytes, offset, bytes.length - offset)).bytesWritten;
        await handle.datasync();
      } catch (error) {
        // A full disk may take part of the batch: cut it off so the next append does not continue a torn line.
        // If even that fails, the next append starts a new segment rather than continue after a torn line.
        await handle.truncate(before).catch(() => this.closeSegment().catch(() => undefined));
        throw error;
      }
      this.segmentSize += bytes.length;
      this.lastAppended = Math.max(this.lastAppended, records.at(-1)!.seq);
    });
  }

  /** Records the watermark durably (in place: works on a full disk) and deletes segments that hold only settled messages. */
  async settle(watermark: number): Promise<void> {
    await this.state!.update({ watermark });
    await this.exclusive(() => this.prune(watermark));
  }

  /** Records durably that no seq below `next` will be handed out by this run without saving a new reservation. */
  reserve(next: number): Promise<void> {
    return this.state!.update({ next, clean: false });
  }

  /** Closes the files; with `next` (a clean stop) records it as the exact next seq. */
  async close(next?: number): Promise<void> {
    const state = this.state;
    this.state = undefined;
    try {
      if (state && next !== undefined) await state.update({ next, clean: true });
    } finally {
      await state?.close().catch(() => undefined);
      await this.exclusive(() => this.closeSegment());
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async closeSegment(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async rotate(firstSeq: number): Promise<void> {
    await this.closeSegment();
    this.handle = await open(path.join(this.dir, segmentName(firstSeq)), 'a');
    this.segmentSize = (await this.handle.stat()).size;
    if (!this.segments.includes(firstSeq)) this.segments.push(firstSeq);
  }

  /**
   * Deletes every segment whose messages are all <= watermark (a segment ends where the next starts; the newest
   * ends at the last seq appended), so a full disk gets its space back as acknowledgements arrive.
   */
  private async prune(watermark: number): Promise<void> {
    while (this.segments.length > 1 && this.segments[1]! - 1 <= watermark) {
      await rm(path.join(this.dir, segmentName(this.segments[0]!)), { force: true });
      this.segments.shift();
    }
    if (this.segments.length === 1 && this.lastAppended <= watermark) {
      await this.closeSegment();
      await rm(path.join(this.dir, segmentName(this.segments[0]!)), { force: true });
      this.segments = [];
    }
  }

  /** The watermark of the format before the state file (`acked`, replaced by write-tmp-then-rename). */
  private async readLegacyWatermark(): Promise<number> {
    try {
      const value = Number((await readFile(path.join(this.dir, 'acked'), 'utf8')).trim());
      return Number.isSafeInteger(value) && value >= 0 ? value : 0;
    } catch {
      return 0; // none (or unreadable): replaying everything only causes duplicates
    }
  }
}

/** Seqs in (watermark, upTo] that are not among `records` (sorted), as [first, last] ranges. */
function gaps(records: readonly OutboxRecord[], watermark: number, upTo: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let expected = watermark + 1;
  for (const { seq } of records) {
    if (seq > expected) ranges.push([expected, seq - 1]);
    expected = seq + 1;
  }
  if (upTo >= expected) ranges.push([expected, upTo]);
  return ranges;
}

function parseLine(line: string): OutboxRecord | undefined {
  const parts = line.split('\t');
  if (parts.length < 4) return undefined;
  const seq = Number(parts[0]);
  const atMs = Number(parts[1]);
  const payload = parts.slice(3).join('\t');
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isFinite(atMs) || !payload.startsWith('{')) return undefined;
  return { seq, atMs, topic: parts[2]!, payload };
}

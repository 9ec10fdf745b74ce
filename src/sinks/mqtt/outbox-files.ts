/**
 * The outbox on disk. Segment files `<first seq, 16 digits>.seg` hold one message per line,
 * `seq \t enqueued epoch ms \t topic \t payload \n` (topics cannot contain tabs or newlines, JSON payloads are on
 * one line); `acked` holds the settled watermark: every seq up to it was acknowledged or dropped. Appends are
 * written and fsync-ed before the messages may be published; the watermark is replaced atomically (write, fsync,
 * rename). A segment is deleted once all its messages are settled. A torn last line (a crash mid-write) is ignored.
 */
import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

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
  /** The next seq to allocate. */
  nextSeq: number;
  /** Lines that could not be read (torn or corrupt). */
  skipped: number;
}

const SEGMENT = /^(\d{16})\.seg$/u;
export const segmentName = (seq: number): string => `${String(seq).padStart(16, '0')}.seg`;

export class OutboxFiles {
  private handle: FileHandle | undefined;
  private segmentSize = 0;
  private segments: number[] = [];

  /** `segmentBytes`: start a new segment beyond this size. */
  constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
  ) {}

  /** Creates the folder if needed and reads what an earlier run left. */
  async open(): Promise<OutboxContents> {
    await mkdir(this.dir, { recursive: true });
    const watermark = await this.readWatermark();
    const names = (await readdir(this.dir)).map((name) => SEGMENT.exec(name)?.[1]).filter((m): m is string => m !== undefined);
    this.segments = names.map(Number).sort((a, b) => a - b);
    const records: OutboxRecord[] = [];
    let skipped = 0;
    let last = watermark;
    for (const first of this.segments) {
      const text = await readFile(path.join(this.dir, segmentName(first)), 'utf8');
      const lines = text.split('\n');
      lines.pop(); // '' after the last newline, or a torn line
      if (!text.endsWith('\n') && text !== '') skipped += 1;
      for (const line of lines) {
        const record = parseLine(line);
        if (!record) skipped += 1;
        else {
          last = Math.max(last, record.seq);
          if (record.seq > watermark) records.push(record);
        }
      }
    }
    await this.prune(watermark);
    return { records, watermark, nextSeq: last + 1, skipped };
  }

  /** Appends `records` and fsyncs. Throws on I/O errors (the caller retries the same batch). */
  async append(records: readonly OutboxRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!this.handle || this.segmentSize >= this.segmentBytes) await this.rotate(records[0]!.seq);
    const text = records.map((r) => `${r.seq}\t${r.atMs}\t${r.topic}\t${r.payload}\n`).join('');
    const bytes = Buffer.from(text, 'utf8');
    await this.handle!.write(bytes);
    await this.handle!.datasync();
    this.segmentSize += bytes.length;
  }

  /** Records the watermark durably and deletes segments that hold only settled messages. */
  async settle(watermark: number): Promise<void> {
    const file = path.join(this.dir, 'acked');
    const temp = `${file}.tmp`;
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(`${watermark}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await this.prune(watermark);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  private async rotate(firstSeq: number): Promise<void> {
    await this.close();
    this.handle = await open(path.join(this.dir, segmentName(firstSeq)), 'a');
    this.segmentSize = (await this.handle.stat()).size;
    if (!this.segments.includes(firstSeq)) this.segments.push(firstSeq);
  }

  /** Deletes every segment but the newest whose messages are all <= watermark (a segment ends where the next starts). */
  private async prune(watermark: number): Promise<void> {
    while (this.segments.length > 1 && this.segments[1]! - 1 <= watermark) {
      await rm(path.join(this.dir, segmentName(this.segments[0]!)), { force: true });
      this.segments.shift();
    }
  }

  private async readWatermark(): Promise<number> {
    try {
      const value = Number((await readFile(path.join(this.dir, 'acked'), 'utf8')).trim());
      return Number.isSafeInteger(value) && value >= 0 ? value : 0;
    } catch {
      return 0; // none yet (or unreadable): replaying everything only causes duplicates
    }
  }
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


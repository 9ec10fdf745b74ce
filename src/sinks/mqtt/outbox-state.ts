/**
 * The outbox's `state` file: the settled watermark and the seq reservation, rewritten in place so that saving
 * them never needs a new disk block. A full disk must not stop the watermark from advancing: the old
 * write-tmp-then-rename needed a fresh block for every save, failed with ENOSPC, and then no acknowledged segment
 * could be deleted either (issue 11).
 *
 * The file is 128 bytes, created once (write, fsync, rename): two 64-byte slots, written alternately, each one line
 * `<generation> <watermark> <next> <clean> <crc32>` padded with spaces. A save overwrites the older slot and
 * fdatasyncs; a torn save (power cut mid-write) spoils only that slot, and the reader takes the valid slot with the
 * higher generation. `next` is a seq no message has used yet: while running it is a reservation ahead of use
 * (every seq handed out is below it), at a clean stop the exact next seq (`clean` 1).
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';

export interface OutboxStateRecord {
  /** Every seq up to this was settled (acknowledged or dropped). */
  watermark: number;
  /** No seq at or above this was used. */
  next: number;
  /** Written by a clean stop: `next` is exact, not a reservation. */
  clean: boolean;
}

const SLOT = 64;
export const STATE_FILE = 'state';

/** Fails a write on purpose (tests inject EIO here); undefined lets it proceed. */
export type WriteFault = (file: string) => Error | undefined;

function encode(generation: number, record: OutboxStateRecord): Buffer {
  const body = `${generation} ${record.watermark} ${record.next} ${record.clean ? 1 : 0}`;
  const line = `${body} ${crc32(body).toString(16).padStart(8, '0')}`;
  return Buffer.from(`${line.padEnd(SLOT - 1, ' ')}\n`, 'latin1');
}

function decode(slot: Buffer): { generation: number; record: OutboxStateRecord } | undefined {
  const parts = slot.toString('latin1').trim().split(' ');
  if (parts.length !== 5) return undefined;
  const body = parts.slice(0, 4).join(' ');
  if (crc32(body).toString(16).padStart(8, '0') !== parts[4]) return undefined;
  const [generation, watermark, next, clean] = parts.slice(0, 4).map(Number) as [number, number, number, number];
  if (![generation, watermark, next].every((n) => Number.isSafeInteger(n) && n >= 0) || next < 1) return undefined;
  return { generation, record: { watermark, next, clean: clean === 1 } };
}

export class OutboxState {
  private chain: Promise<void> = Promise.resolve();
  private saved: OutboxStateRecord;
  /** What the next write saves: the latest of every update(). */
  private readonly desired: OutboxStateRecord;

  private constructor(
    private readonly handle: FileHandle,
    readonly file: string,
    private generation: number,
    record: OutboxStateRecord,
    private readonly fault: WriteFault | undefined,
    unsaved = false,
  ) {
    // An unreadable file holds nothing: the first update() must write even if the values are unchanged.
    this.saved = unsaved ? { watermark: -1, next: 0, clean: false } : { ...record };
    this.desired = { ...record };
  }

  /**
   * Opens `dir/state`; `found` is what it holds (undefined when it is new or neither slot is valid: `unreadable`).
   * A new file is created with `initial` (this needs one block: the only save that does).
   */
  static async open(
    dir: string,
    initial: () => OutboxStateRecord,
    fault?: WriteFault,
  ): Promise<{ state: OutboxState; found: OutboxStateRecord | undefined; unreadable: boolean }> {
    const file = path.join(dir, STATE_FILE);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r+');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const record = initial();
      const temp = `${file}.tmp`;
      const created = await open(temp, 'w');
      try {
        // Generation g lives in slot g % 2.
        await created.write(Buffer.concat([encode(0, record), encode(1, record)]));
        await created.datasync();
      } finally {
        await created.close();
      }
      await rename(temp, file);
      return { state: new OutboxState(await open(file, 'r+'), file, 1, record, fault), found: undefined, unreadable: false };
    }
    const bytes = Buffer.alloc(2 * SLOT);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    const slots = [decode(bytes.subarray(0, Math.min(bytesRead, SLOT))), bytesRead >= 2 * SLOT ? decode(bytes.subarray(SLOT)) : undefined];
    const best = slots.reduce((a, b) => (b && (!a || b.generation > a.generation) ? b : a), undefined);
    const record = best?.record ?? initial();
    return { state: new OutboxState(handle, file, best?.generation ?? 0, record, fault, !best), found: best?.record, unreadable: !best };
  }

  /** Saves `change` (merged into the latest values); saves run one at a time, in order. Rejects on I/O errors. */
  update(change: Partial<OutboxStateRecord>): Promise<void> {
    Object.assign(this.desired, change);
    const run = this.chain.then(() => this.write());
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.handle.close();
  }

  private async write(): Promise<void> {
    const record = { ...this.desired };
    if (record.watermark === this.saved.watermark && record.next === this.saved.next && record.clean === this.saved.clean) return;
    const injected = this.fault?.(this.file);
    if (injected) throw injected;
    const generation = this.generation + 1;
    await this.handle.write(encode(generation, record), 0, SLOT, (generation % 2) * SLOT);
    await this.handle.datasync();
    this.generation = generation;
    this.saved = record;
  }
}

/** Removes the files of the format before the state file (`acked`, `acked.tmp`) once the state file holds the watermark. */
export async function removeLegacyWatermark(dir: string): Promise<void> {
  await rm(path.join(dir, 'acked'), { force: true });
  await rm(path.join(dir, 'acked.tmp'), { force: true });
}

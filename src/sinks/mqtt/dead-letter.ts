/**
 * Messages the broker refused `max_attempts` times: one JSON line each in `<outbox>/dead-letter.jsonl`, fsync-ed,
 * rotated to `dead-letter.jsonl.1` beyond `maxBytes` (so at most about twice that on disk). Appends run one at a
 * time in arrival order.
 */
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { rotateFiles } from '../file-rotation.js';
import type { OutboxRecord } from './outbox-files.js';

export const DEAD_LETTER_FILE = 'dead-letter.jsonl';

export interface DeadLetter {
  record: OutboxRecord;
  /** The broker's last reason code (e.g. 135 = 0x87 not authorised), none when MQTT.js refused to send it. */
  reasonCode: number | undefined;
  reason: string;
  attempts: number;
}

export class DeadLetterFile {
  readonly file: string;
  private size: number | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    dir: string,
    private readonly maxBytes: number,
  ) {
    this.file = path.join(dir, DEAD_LETTER_FILE);
  }

  /** Appends one line and fsyncs; rejects on I/O errors (the message is then only counted). */
  append(letter: DeadLetter): Promise<void> {
    const next = this.chain.then(() => this.write(letter));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write({ record, reasonCode, reason, attempts }: DeadLetter): Promise<void> {
    const line = `${JSON.stringify({
      time: new Date().toISOString(),
      seq: record.seq,
      topic: record.topic,
      reason_code: reasonCode ?? null,
      reason,
      attempts,
      enqueued_ms: record.atMs,
      payload: record.payload,
    })}\n`;
    const bytes = Buffer.byteLength(line);
    this.size ??= await stat(this.file).then((s) => s.size, () => 0);
    if (this.size > 0 && this.size + bytes > this.maxBytes) {
      await rotateFiles(this.file, 1);
      this.size = 0;
    }
    const handle = await open(this.file, 'a');
    try {
      await handle.write(line);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.size += bytes;
  }
}

/**
 * One outbox (a folder, its own seq numbers) feeding a shared connection: the engine of the mqtt sink's
 * predictions and events topics. enqueue() numbers and queues a message in memory and returns; a background
 * committer (outbox-writer.ts) appends queued messages to the disk outbox and fsyncs them, dropping (counted,
 * logged) what a full or failing disk does not take; only durable messages are published, at most `inflight`
 * unacknowledged, in seq order, and only while connected. A PUBACK settles a message (written); the outbox bound
 * and max age drop the oldest (dropped). Unsettled messages survive restarts and are sent again. A message the
 * broker refuses is published again after a delay, at most `deadLetter.maxAttempts` times, then written to the
 * dead-letter file (dropped and deadLettered); the others keep flowing meanwhile.
 */
import { mkdir } from 'node:fs/promises';
import type { MqttSinkConfig } from '../../config/types.js';
import { describeFsError } from '../errors.js';
import { within } from '../timing.js';
import { RepeatLimiter } from '../../runtime/repeat-limiter.js';
import type { PublishResult } from './connection.js';
import { DeadLetterFile } from './dead-letter.js';
import { OutboxFiles, type OutboxRecord } from './outbox-files.js';
import { OutboxQueue } from './outbox-queue.js';
import type { WriteFault } from './outbox-state.js';
import { OutboxWriter, ranges } from './outbox-writer.js';
import type { ConnectionLease } from './shared-connection.js';

/** Refusal warnings: at most one line per this many ms (the rest are counted in the next line). */
const REFUSAL_WARN_MS = 10_000;

/** The settled watermark goes to disk at most this often (ms). */
const WATERMARK_SAVE_MS = 200;
export interface OutboxStreamCounts {
  written: number;
  dropped: number;
  errors: number;
  refused: number;
  deadLettered: number;
  /** Messages dropped because the outbox could not store them (disk full, I/O error); also in dropped. */
  unstored: number;
}

export interface OutboxStreamOptions {
  dir: string;
  qos: 0 | 1;
  retain: boolean;
  segmentBytes: number;
  config: Pick<MqttSinkConfig, 'outbox' | 'deadLetter' | 'inflight' | 'reconnect'>;
  /** Logs one line (the caller adds the sink's name). */
  warn: (message: string) => void;
  /** Records an error as the sink's latest. */
  failed: (message: string) => void;
  /** Tests: inject write errors (EIO) into the outbox files. */
  fault?: WriteFault;
}

export class OutboxStream {
  private readonly files: OutboxFiles;
  private readonly queue: OutboxQueue;
  private readonly deadLetters: DeadLetterFile;
  private connection: ConnectionLease | undefined;
  private nextSeq = 1;
  readonly counts: OutboxStreamCounts = { written: 0, dropped: 0, errors: 0, refused: 0, deadLettered: 0, unstored: 0 };
  private readonly attempts = new Map<number, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly deadLettering = new Set<Promise<void>>();
  private readonly refusalWarn: RepeatLimiter;
  private readonly writer: OutboxWriter;
  private inFlight = 0;
  private watermarkSaving: Promise<void> | undefined;
  private savedWatermark = 0;
  private lastSaveMs = -Infinity;
  private saveTimer: NodeJS.Timeout | undefined;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];
  private readonly halt = new AbortController();
  private running = false;

  constructor(private readonly options: OutboxStreamOptions) {
    this.files = new OutboxFiles(options.dir, options.segmentBytes, options.fault);
    this.refusalWarn = new RepeatLimiter(options.warn, { windowMs: REFUSAL_WARN_MS });
    this.deadLetters = new DeadLetterFile(options.dir, options.config.deadLetter.maxBytes);
    this.queue = new OutboxQueue({ maxBytes: options.config.outbox.maxBytes, maxAgeMs: options.config.outbox.maxAgeS * 1000 }, 0);
    this.writer = new OutboxWriter({
      files: this.files,
      queue: this.queue,
      counts: this.counts,
      halt: this.halt.signal,
      nextSeq: () => this.nextSeq,
      warn: options.warn,
      failed: options.failed,
      stored: () => this.pump(),
      dropped: () => this.settled(),
      saveWatermark: () => this.freeSpace(),
    });
  }

  get dir(): string {
    return this.files.dir;
  }

  /** Unsettled messages. */
  get pending(): number {
    return this.queue.size;
  }

  /** Reads what an earlier run left (unacknowledged messages are sent again). Throws on I/O errors. */
  async open(): Promise<void> {
    await mkdir(this.files.dir, { recursive: true });
    const contents = await this.files.open();
    this.queue.watermark = contents.watermark;
    this.savedWatermark = contents.watermark;
    this.counts.dropped += this.queue.adopt(contents.records, contents.nextSeq);
    this.nextSeq = contents.nextSeq;
    const dir = this.files.dir;
    if (contents.skipped > 0) this.options.warn(`${contents.skipped} unreadable outbox lines skipped in ${dir}`);
    const missing = contents.missing.reduce((n, [a, b]) => n + b - a + 1, 0);
    if (missing > 0) {
      this.options.warn(
        `outbox ${dir}: ${missing} message(s) above the watermark are not in the outbox (seq ${ranges(contents.missing)}): ` +
          'dropped by an earlier run (counted then) or removed from the disk; their seqs stay a gap',
      );
    }
    if (contents.stateUnreadable) {
      this.options.warn(
        `outbox ${dir}: the state file is unreadable: every message in the outbox is sent again (duplicates carry their id) ` +
          `and the seq continues at ${contents.nextSeq}, above the highest one on disk`,
      );
    }
    if (contents.crashed) {
      this.options.warn(`outbox ${dir}: the last run did not stop cleanly; seq continues at ${contents.nextSeq} (seqs above ${contents.lastStored} were lost in the crash or never used)`);
    }
    await this.writer.start();
    this.running = true;
  }

  /** Starts publishing through `connection` (when online). */
  attach(connection: ConnectionLease): void {
    this.connection = connection;
    this.pump();
  }

  /** Queues a message on `topic`; `payload` gets its seq. */
  enqueue(topic: string, payload: (seq: number) => string): void {
    const seq = this.nextSeq++;
    const record: OutboxRecord = { seq, atMs: Date.now(), topic, payload: payload(seq) };
    this.counts.dropped += this.queue.add(record, false) + this.queue.dropExpired(record.atMs);
    this.writer.add(record);
    this.settled();
  }

  online(): void {
    this.pump();
  }

  offline(): void {
    this.inFlight = 0;
    this.queue.resendAll();
  }

  /** Whether everything enqueued so far was settled within `ms`. */
  settledWithin(ms: number): Promise<boolean> {
    const upTo = this.nextSeq - 1;
    if (this.queue.watermark >= upTo) return Promise.resolve(true);
    return within(new Promise<void>((resolve) => this.waiters.push({ upTo, resolve })), ms);
  }

  /**
   * Stops publishing and retrying, stores what is still in memory (or drops it, counted and logged), saves the
   * watermark and the exact next seq, and closes the files (the unacknowledged wait for the next start).
   */
  async close(): Promise<void> {
    this.running = false;
    this.halt.abort();
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.writer.close();
    await Promise.all(this.deadLettering);
    await this.saveWatermark();
    clearTimeout(this.saveTimer); // store() may have asked for a save: done just above
    this.saveTimer = undefined;
    await this.files.close(this.nextSeq).catch((error: unknown) => this.fail(`outbox ${this.files.dir}: ${describeFsError(error)}`));
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Saves the watermark now, which deletes the segments it passed: the space a full disk needs first. */
  private async freeSpace(): Promise<void> {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    await this.saveWatermark();
    await this.files.settle(this.savedWatermark).catch(() => undefined);
  }

  /** Publishes durable messages while connected, keeping at most `inflight` unacknowledged. */
  private pump(): void {
    this.counts.dropped += this.queue.dropExpired(Date.now());
    const connection = this.connection;
    while (this.running && connection && this.inFlight < this.options.config.inflight && connection.state === 'online') {
      const record = this.queue.takeNext();
      if (!record) break;
      this.inFlight += 1;
      const sent = connection.publish(record.topic, record.payload, this.options.qos, this.options.retain, (result) => this.acked(record.seq, result));
      if (!sent) {
        this.inFlight -= 1;
        this.queue.resendAll();
        break;
      }
    }
    this.settled();
  }

  private acked(seq: number, result: PublishResult): void {
    if (!this.running) return; // closed: the files are shut; the message is sent again next start
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (result === undefined) {
      this.attempts.delete(seq);
      if (this.queue.settle(seq)) this.counts.written += 1;
    } else if (result.refused) {
      this.refused(seq, result.message, result.reasonCode);
    }
    this.pump();
  }

  /** A refusal: the message waits (not blocking the others) and is published again, or dead-lettered. */
  private refused(seq: number, message: string, reasonCode: number | undefined): void {
    this.counts.refused += 1;
    this.queue.refused(seq);
    const attempts = (this.attempts.get(seq) ?? 0) + 1;
    const { maxAttempts } = this.options.config.deadLetter;
    if (attempts < maxAttempts) {
      this.attempts.set(seq, attempts);
      const { initialMs, maxMs } = this.options.config.reconnect;
      const delayMs = Math.min(maxMs, initialMs * 2 ** (attempts - 1));
      this.refusal(`broker refused message ${seq} (attempt ${attempts} of ${maxAttempts}): ${message}; publishing it again in ${delayMs} ms`);
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (this.queue.retry(seq)) this.pump();
        else this.attempts.delete(seq);
      }, delayMs);
      this.retryTimers.add(timer);
      return;
    }
    this.attempts.delete(seq);
    const record = this.queue.peek(seq);
    if (!record) return; // dropped by the bound meanwhile (counted there)
    this.refusal(`broker refused message ${seq} ${attempts} times: ${message}; moved to ${this.deadLetters.file}`);
    const writing = this.deadLetters
      .append({ record, reasonCode, reason: message, attempts })
      .then(
        () => {
          if (this.queue.settle(seq)) (this.counts.dropped += 1), (this.counts.deadLettered += 1);
        },
        (error: unknown) => {
          this.fail(`dead-letter file ${this.deadLetters.file}: ${(error as Error).message}; message ${seq} dropped`);
          if (this.queue.settle(seq)) this.counts.dropped += 1;
        },
      )
      .finally(() => {
        this.deadLettering.delete(writing);
        this.settled();
        if (this.running) this.pump();
      });
    this.deadLettering.add(writing);
  }

  /** Counts a refusal as an error; warns at most once per REFUSAL_WARN_MS (an ACL refusing a whole topic would flood the log). */
  private refusal(message: string): void {
    this.counts.errors += 1;
    this.options.failed(message);
    this.refusalWarn.log('refused', message);
  }

  /**
   * Wakes settledWithin() waiters and saves the watermark: one save at a time, at most one per
   * WATERMARK_SAVE_MS. Saving after every PUBACK cost two fsyncs and a rename per message at modest rates
   * (bench mqtt-publish); a crash now re-sends at most that window's acknowledged messages, which QoS 1 allows
   * and their ids let consumers drop.
   */
  private settled(): void {
    const watermark = this.queue.watermark;
    this.waiters = this.waiters.filter((waiter) => (waiter.upTo <= watermark ? (waiter.resolve(), false) : true));
    if (this.watermarkSaving || this.saveTimer || watermark <= this.savedWatermark) return;
    const waitMs = this.lastSaveMs + WATERMARK_SAVE_MS - performance.now();
    if (waitMs > 0) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        if (this.running) this.settled();
      }, waitMs);
      return;
    }
    this.lastSaveMs = performance.now();
    this.watermarkSaving = this.saveWatermark().finally(() => {
      this.watermarkSaving = undefined;
      if (this.queue.watermark > this.savedWatermark && this.running) this.settled();
    });
  }

  private async saveWatermark(): Promise<void> {
    await this.watermarkSaving;
    const watermark = this.queue.watermark;
    if (watermark <= this.savedWatermark) return;
    try {
      await this.files.settle(watermark);
      this.savedWatermark = watermark;
    } catch (error) {
      this.fail(`outbox ${this.files.dir}: cannot save the watermark: ${describeFsError(error)}`);
    }
  }

  private fail(message: string): void {
    this.counts.errors += 1;
    this.options.failed(message);
    this.options.warn(message);
  }
}


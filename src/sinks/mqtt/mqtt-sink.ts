/**
 * The `mqtt` sink (docs/mqtt.md). write() serialises, numbers and queues the message in memory and returns; a
 * background committer appends queued messages to the disk outbox and fsyncs them (group commit: whatever
 * arrived while the previous fsync ran goes in the next one); only durable messages are published, at most
 * `inflight` unacknowledged, in seq order, and only while connected. A PUBACK settles a message (written); the
 * outbox bound and max age drop the oldest (dropped). Unsettled messages survive restarts and are sent again.
 * A message the broker refuses is published again after a delay, at most `dead_letter.max_attempts` times, then
 * written to the dead-letter file (dropped and deadLettered); the others keep flowing meanwhile.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { MqttSinkConfig } from '../../config/types.js';
import type { Prediction } from '../../pipeline/frame.js';
import { defaultSinkWarn, describeFsError, sinkError } from '../errors.js';
import type { PredictionSink, SinkContext, SinkStats } from '../types.js';
import { delay, within } from '../timing.js';
import { BrokerConnection, type PublishResult } from './connection.js';
import { DeadLetterFile } from './dead-letter.js';
import { fillTopic, predictionPayload, topicLevelProblem } from './envelope.js';
import { OutboxFiles, type OutboxRecord } from './outbox-files.js';
import { OutboxLock } from './outbox-lock.js';
import { OutboxQueue } from './outbox-queue.js';
import { readTlsFiles, type TlsMaterial } from './tls-files.js';

/** SinkStats plus the broker's refusals; `refused` and `deadLettered` are present once non-zero. */
export interface MqttSinkStats extends SinkStats {
  /** PUBACKs with an error reason code (each attempt counts). */
  refused?: number;
  /** Messages written to the dead-letter file after max_attempts refusals (also counted in dropped). */
  deadLettered?: number;
}

/** Refusal warnings: at most one line per this many ms (the rest are counted in the next line). */
const REFUSAL_WARN_MS = 10_000;

export interface MqttSinkOptions extends SinkContext {
  /** For the default device and client id (default os.hostname()). */
  hostname?: string;
  /** flush() waits at most this long, ms (default 10,000). */
  flushTimeoutMs?: number;
  /** stop() waits this long for acknowledgements; the rest stays in the outbox for the next start, ms (default 5,000). */
  stopTimeoutMs?: number;
  /** A new outbox segment file beyond this many bytes (default 1 MiB, at most max_bytes / 4). */
  segmentBytes?: number;
}

/** The default outbox folder: under systemd's StateDirectory= if set, else /var/lib/edgepipe. */
export function defaultOutboxDir(pipelineName: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = env['STATE_DIRECTORY']?.split(':')[0] || '/var/lib/edgepipe';
  return path.join(state, 'mqtt', pipelineName);
}

/** `url` without user info (`mqtt://user:secret@host` -> `mqtt://host`): messages never carry credentials. */
export function redactUrl(url: string): string {
  return url.replace(/^(mqtts?:\/\/)[^@/]*@/u, '$1');
}

export class MqttSink implements PredictionSink {
  readonly kind = 'mqtt';
  readonly name: string;
  private readonly device: string;
  private readonly topic: string;
  private readonly files: OutboxFiles;
  private readonly queue: OutboxQueue;
  private readonly connection: BrokerConnection;
  private readonly warn: (message: string) => void;
  private readonly flushTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  private nextSeq = 1;
  private counts = { written: 0, dropped: 0, errors: 0, refused: 0, deadLettered: 0 };
  private readonly deadLetters: DeadLetterFile;
  /** Refusals so far of messages still in the outbox (this run). */
  private readonly attempts = new Map<number, number>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly deadLettering = new Set<Promise<void>>();
  private lock: OutboxLock | undefined;
  private refusalWarn = { atMs: -Infinity, suppressed: 0 };
  private lastError: string | undefined;
  private inFlight = 0;
  private toAppend: OutboxRecord[] = [];
  private committing: Promise<void> | undefined;
  private watermarkSaving: Promise<void> | undefined;
  private savedWatermark = 0;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];
  private readonly halt = new AbortController();

  constructor(
    pipelineName: string,
    private readonly config: MqttSinkConfig,
    options: MqttSinkOptions = {},
  ) {
    this.name = `${pipelineName}/mqtt`;
    const host = options.hostname ?? hostname();
    this.device = config.deviceId ?? host;
    const problem = topicLevelProblem(this.device);
    if (problem) throw sinkError(this.name, 'ERR_SINK_INVALID', `device id "${this.device}" ${problem}: set device_id`);
    this.topic = fillTopic(config.topic, { device: this.device, pipeline: pipelineName });
    this.warn = options.warn ?? defaultSinkWarn;
    this.flushTimeoutMs = options.flushTimeoutMs ?? 10_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    const segmentBytes = options.segmentBytes ?? Math.max(4096, Math.min(1024 * 1024, Math.floor(config.outbox.maxBytes / 4)));
    this.files = new OutboxFiles(config.outbox.dir ?? defaultOutboxDir(pipelineName), segmentBytes);
    this.deadLetters = new DeadLetterFile(this.files.dir, config.deadLetter.maxBytes);
    this.queue = new OutboxQueue({ maxBytes: config.outbox.maxBytes, maxAgeMs: config.outbox.maxAgeS * 1000 }, 0);
    this.connection = new BrokerConnection(
      {
        url: config.url,
        clientId: config.clientId ?? `edgepipe-${host}-${pipelineName}`,
        protocol: config.protocol,
        ...(config.username === undefined ? {} : { username: config.username }),
        ...(config.password === undefined ? {} : { password: config.password }),
        statusTopic: fillTopic(config.statusTopic, { device: this.device, pipeline: pipelineName }),
        reconnect: config.reconnect,
      },
      {
        online: () => this.pump(),
        offline: () => {
          this.inFlight = 0;
          this.queue.resendAll();
        },
        error: (message) => this.fail(`broker ${redactUrl(config.url)}: ${message}`),
      },
    );
  }

  /** The outbox folder (locked while the sink runs; the dead-letter file is in it). */
  get outboxDir(): string {
    return this.files.dir;
  }

  /** Opens the outbox (replaying what an earlier run left unacknowledged) and starts connecting; never waits for the broker. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    let tls: TlsMaterial | undefined;
    if (this.config.tls) {
      try {
        tls = await readTlsFiles(this.config.tls);
      } catch (error) {
        throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot read the TLS files: ${(error as Error).message}`, error);
      }
    }
    try {
      await mkdir(this.files.dir, { recursive: true });
      this.lock = await OutboxLock.acquire(this.files.dir);
    } catch (error) {
      throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot use the outbox ${this.files.dir}: ${describeFsError(error)} (set outbox.dir)`, error);
    }
    try {
      const contents = await this.files.open();
      this.queue.watermark = contents.watermark;
      this.savedWatermark = contents.watermark;
      this.counts.dropped += this.queue.adopt(contents.records, contents.nextSeq);
      this.nextSeq = contents.nextSeq;
      if (contents.skipped > 0) this.warn(`sink ${this.name}: ${contents.skipped} unreadable outbox lines skipped in ${this.files.dir}`);
    } catch (error) {
      await this.lock.release().catch(() => undefined);
      throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot open the outbox ${this.files.dir}: ${(error as Error).message} (set outbox.dir)`, error);
    }
    this.state = 'running';
    this.connection.start(tls);
  }

  write(prediction: Prediction): void {
    if (this.state !== 'running' || this.stopping) {
      this.counts.dropped += 1;
      return;
    }
    const seq = this.nextSeq++;
    const record: OutboxRecord = { seq, atMs: Date.now(), topic: this.topic, payload: predictionPayload(prediction, seq, this.device) };
    this.counts.dropped += this.queue.add(record, false) + this.queue.dropExpired(record.atMs);
    this.toAppend.push(record);
    this.commit();
    this.settled();
  }

  flush(): Promise<boolean> {
    return this.settledWithin(this.flushTimeoutMs);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  stats(): MqttSinkStats {
    const { refused, deadLettered, ...counts } = this.counts;
    const stats: MqttSinkStats = { ...counts, pending: this.queue.size };
    if (refused > 0) stats.refused = refused;
    if (deadLettered > 0) stats.deadLettered = deadLettered;
    if (this.lastError !== undefined) stats.lastError = this.lastError;
    return stats;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'running') {
      await this.settledWithin(this.stopTimeoutMs);
      this.halt.abort();
      for (const timer of this.retryTimers) clearTimeout(timer);
      this.retryTimers.clear();
      await this.committing;
      await this.connection.stop(1000);
      await Promise.all(this.deadLettering);
      await this.saveWatermark();
      await this.files.close().catch(() => undefined);
      await this.lock?.release().catch(() => undefined);
    }
    this.state = 'stopped';
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
  }

  /** Whether everything accepted so far was settled within `ms`. */
  private settledWithin(ms: number): Promise<boolean> {
    const upTo = this.nextSeq - 1;
    if (this.queue.watermark >= upTo) return Promise.resolve(true);
    return within(new Promise<void>((resolve) => this.waiters.push({ upTo, resolve })), ms);
  }

  /** Appends queued messages and fsyncs, in batches; a failed batch is retried (the messages wait in memory). */
  private commit(): void {
    if (this.committing) return;
    this.committing = (async () => {
      let retryMs = 100;
      while (this.toAppend.length > 0 && !this.halt.signal.aborted) {
        const batch = this.toAppend;
        this.toAppend = [];
        try {
          await this.files.append(batch);
          this.queue.markDurable(batch.map((r) => r.seq));
          retryMs = 100;
          this.pump();
        } catch (error) {
          this.toAppend = [...batch, ...this.toAppend];
          this.fail(`outbox ${this.files.dir}: ${(error as Error).message}`);
          await delay(retryMs, this.halt.signal);
          retryMs = Math.min(retryMs * 2, 5000);
        }
      }
    })().finally(() => {
      this.committing = undefined;
      if (this.toAppend.length > 0 && !this.halt.signal.aborted) this.commit();
    });
  }

  /** Publishes durable messages while connected, keeping at most `inflight` unacknowledged. */
  private pump(): void {
    this.counts.dropped += this.queue.dropExpired(Date.now());
    while (this.inFlight < this.config.inflight && this.connection.state === 'online') {
      const record = this.queue.takeNext();
      if (!record) break;
      this.inFlight += 1;
      this.connection.publish(record.topic, record.payload, this.config.qos, this.config.retain, (result) => this.acked(record.seq, result));
    }
    this.settled();
  }

  private acked(seq: number, result: PublishResult): void {
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
    const { maxAttempts } = this.config.deadLetter;
    if (attempts < maxAttempts) {
      this.attempts.set(seq, attempts);
      const delayMs = Math.min(this.config.reconnect.maxMs, this.config.reconnect.initialMs * 2 ** (attempts - 1));
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
        if (this.state === 'running') this.pump();
      });
    this.deadLettering.add(writing);
  }

  /** Counts a refusal as an error; warns at most once per REFUSAL_WARN_MS (an ACL refusing a whole topic would flood the log). */
  private refusal(message: string): void {
    this.counts.errors += 1;
    this.lastError = message;
    const now = Date.now();
    if (now - this.refusalWarn.atMs < REFUSAL_WARN_MS) {
      this.refusalWarn.suppressed += 1;
      return;
    }
    const more = this.refusalWarn.suppressed > 0 ? ` (and ${this.refusalWarn.suppressed} more refusals since the last warning)` : '';
    this.refusalWarn = { atMs: now, suppressed: 0 };
    this.warn(`sink ${this.name}: ${message}${more}`);
  }

  /** Wakes flush() waiters and saves the watermark (one save at a time; acks arriving meanwhile go in the next). */
  private settled(): void {
    const watermark = this.queue.watermark;
    this.waiters = this.waiters.filter((waiter) => (waiter.upTo <= watermark ? (waiter.resolve(), false) : true));
    if (!this.watermarkSaving && watermark > this.savedWatermark) {
      this.watermarkSaving = this.saveWatermark().finally(() => {
        this.watermarkSaving = undefined;
        if (this.queue.watermark > this.savedWatermark && this.state === 'running' && !this.halt.signal.aborted) this.settled();
      });
    }
  }

  private async saveWatermark(): Promise<void> {
    await this.watermarkSaving;
    const watermark = this.queue.watermark;
    if (watermark <= this.savedWatermark) return;
    try {
      await this.files.settle(watermark);
      this.savedWatermark = watermark;
    } catch (error) {
      this.fail(`outbox ${this.files.dir}: ${(error as Error).message}`);
    }
  }

  private fail(message: string): void {
    this.counts.errors += 1;
    this.lastError = message;
    this.warn(`sink ${this.name}: ${message}`);
  }
}

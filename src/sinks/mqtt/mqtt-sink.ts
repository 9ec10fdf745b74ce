/**
 * The `mqtt` sink (docs/mqtt.md). write() serialises, numbers and queues the message in memory and returns; a
 * background committer appends queued messages to the disk outbox and fsyncs them (group commit: whatever
 * arrived while the previous fsync ran goes in the next one); only durable messages are published, at most
 * `inflight` unacknowledged, in seq order, and only while connected. A PUBACK settles a message (written); the
 * outbox bound and max age drop the oldest (dropped). Unsettled messages survive restarts and are sent again.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import type { MqttSinkConfig } from '../../config/types.js';
import type { Prediction } from '../../pipeline/frame.js';
import { defaultSinkWarn, sinkError } from '../errors.js';
import type { PredictionSink, SinkContext, SinkStats } from '../types.js';
import { delay, within } from '../timing.js';
import { BrokerConnection, type PublishResult } from './connection.js';
import { fillTopic, predictionPayload, topicLevelProblem } from './envelope.js';
import { OutboxFiles, type OutboxRecord } from './outbox-files.js';
import { OutboxQueue } from './outbox-queue.js';

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
  private counts = { written: 0, dropped: 0, errors: 0 };
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

  /** Opens the outbox (replaying what an earlier run left unacknowledged) and starts connecting; never waits for the broker. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    try {
      const contents = await this.files.open();
      this.queue.watermark = contents.watermark;
      this.savedWatermark = contents.watermark;
      this.counts.dropped += this.queue.adopt(contents.records, contents.nextSeq);
      this.nextSeq = contents.nextSeq;
      if (contents.skipped > 0) this.warn(`sink ${this.name}: ${contents.skipped} unreadable outbox lines skipped in ${this.files.dir}`);
    } catch (error) {
      throw sinkError(this.name, 'ERR_SINK_OPEN', `cannot open the outbox ${this.files.dir}: ${(error as Error).message} (set outbox.dir)`, error);
    }
    this.state = 'running';
    this.connection.start();
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

  stats(): SinkStats {
    const stats: SinkStats = { ...this.counts, pending: this.queue.size };
    if (this.lastError !== undefined) stats.lastError = this.lastError;
    return stats;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'running') {
      await this.settledWithin(this.stopTimeoutMs);
      this.halt.abort();
      await this.committing;
      await this.connection.stop(1000);
      await this.saveWatermark();
      await this.files.close().catch(() => undefined);
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
      if (this.queue.settle(seq)) this.counts.written += 1;
    } else if (result.refused) {
      // First slice: a refused message is dropped (counted) so it never blocks those behind it.
      if (this.queue.settle(seq)) this.counts.dropped += 1;
      this.fail(`broker refused message ${seq}: ${result.message}`);
    }
    this.pump();
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

/**
 * The `mqtt` sensor source: values that existing sensors publish on a broker, picked from JSON payloads by dot
 * paths (mqtt-payload.ts), one sample per message or resampled at `rate_hz` (resample.ts).
 *
 * One MQTT 5 client with a clean session: sensor values are only worth having live, so nothing is queued for us
 * while we are away. A lost connection is retried with exponential backoff and jitter (MQTT.js alone retries at a
 * fixed period, FACTS.md) and the subscriptions are made again; meanwhile the sample stream stays open, so the
 * windowing keeps its state and resampled ticks without messages count as missing. A subscription the broker
 * refuses (ACL) fails the source: retrying would not change the answer.
 */
import { hostname } from 'node:os';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { Observable } from 'rxjs';
import type { MqttSourceConfig } from '../../config/types.js';
import { disableNagle } from '../../sinks/mqtt/no-delay.js';
import { Backoff } from '../../sinks/mqtt/backoff.js';
import { RateLimitedWarn } from '../child-log.js';
import { systemClock } from '../clock.js';
import { sourceError } from '../errors.js';
import { defaultWarn } from '../images-source.js';
import type { Clock, SourceContext, SourceHealth, SourceState } from '../types.js';
import { compileJsonPath, MessageReader, topicFilterProblem, topicMatches, type CompiledField } from './mqtt-payload.js';
import { samplesFromUpdates } from './resample.js';
import type { SampleBatch, SampleProducer } from './types.js';
import { sensorChannels } from '../../config/sensor-channels.js';

/** Payloads above this are skipped and counted: sensor readings are small, a large payload is not one. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/**
 * Advertised to the broker (MQTT 5 Maximum Packet Size) so that it never sends us anything larger: MQTT.js would
 * buffer a whole packet before we could look at its size. Packets above it are dropped by the broker, uncounted.
 */
const MAX_PACKET_BYTES = 16 * 1024 * 1024;

export interface MqttSourceOptions extends SourceContext {
  /** For the default client id (default os.hostname()). */
  hostname?: string;
  /** Reconnect backoff (default 500 ms doubling to 30 s). */
  reconnect?: { initialMs: number; maxMs: number };
  /** Default MAX_PAYLOAD_BYTES. */
  maxPayloadBytes?: number;
}

/** Counters over all subscriptions of one producer. */
export interface MqttSourceStats {
  /** Messages received on the subscribed topics. */
  messages: number;
  /** Messages on a topic no field takes values from. */
  unmatched: number;
  /** Empty payloads (retained messages being cleared). */
  empty: number;
  /** Payloads that are not JSON (nor a plain number). */
  malformed: number;
  /** Payloads above the size bound. */
  oversized: number;
  /** Established connections that were lost (each followed by reconnecting). */
  connectionLosses: number;
  /** Connection attempts that failed before subscribing. */
  failedAttempts: number;
  /** Milliseconds between losing a connection and being subscribed again. */
  downtimeMs: number;
}

export class MqttSampleProducer implements SampleProducer {
  readonly kind = 'mqtt';
  readonly name: string;
  readonly channels: readonly string[];
  private readonly config: MqttSourceConfig;
  private readonly clock: Clock;
  private readonly warn: (message: string) => void;
  private readonly clientId: string;
  private readonly reconnect: { initialMs: number; maxMs: number };
  private readonly maxPayloadBytes: number;
  private readonly fields: CompiledField[] = [];
  /** A configuration problem found at construction, raised by samples() like any source failure. */
  private readonly problem: string | undefined;
  private readonly counters: MqttSourceStats = {
    messages: 0,
    unmatched: 0,
    empty: 0,
    malformed: 0,
    oversized: 0,
    connectionLosses: 0,
    failedAttempts: 0,
    downtimeMs: 0,
  };
  private state: SourceState = 'ended';

  constructor(pipelineName: string, config: MqttSourceConfig, options: MqttSourceOptions = {}) {
    this.name = `${pipelineName}/mqtt`;
    this.config = config;
    this.channels = sensorChannels(config);
    this.clock = options.clock ?? systemClock;
    this.warn = options.warn ?? defaultWarn;
    this.clientId = config.clientId ?? `edgepipe-${options.hostname ?? hostname()}-${pipelineName}-in`;
    this.reconnect = options.reconnect ?? { initialMs: 500, maxMs: 30_000 };
    this.maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
    const problems: string[] = [];
    config.topics.forEach((filter, index) => {
      const problem = topicFilterProblem(filter);
      if (problem) problems.push(`topics[${index}] "${filter}": ${problem}`);
    });
    const names = new Set<string>();
    config.fields.forEach((field, index) => {
      const at = `fields[${index}] (${field.name})`;
      if (names.has(field.name)) problems.push(`${at}: name "${field.name}" is used twice; give each channel its own name`);
      names.add(field.name);
      const path = compileJsonPath(field.path ?? '');
      if ('problem' in path) problems.push(`${at}: path "${field.path}" ${path.problem}`);
      else this.fields.push({ path, ...(field.topic === undefined ? {} : { topic: field.topic }) });
      if (field.topic !== undefined && !config.topics.some((filter) => topicMatches(filter, field.topic!))) {
        problems.push(`${at}: topic "${field.topic}" matches none of topics (${config.topics.join(', ')}); subscribe to it or fix the topic`);
      }
    });
    this.problem = problems.length > 0 ? problems.join('; ') : undefined;
  }

  samples(): Observable<SampleBatch> {
    return samplesFromUpdates(this.updates(), this.channels.length, this.config.rateHz, this.clock);
  }

  health(): SourceHealth {
    const { malformed, oversized, connectionLosses, downtimeMs } = this.counters;
    return { state: this.state, restarts: connectionLosses, corruptFrames: malformed + oversized, downtimeMs: Math.round(downtimeMs) };
  }

  get stats(): Readonly<MqttSourceStats> {
    return { ...this.counters, downtimeMs: Math.round(this.counters.downtimeMs) };
  }

  /** Each message's channel values (NaN where absent), for as long as it is subscribed. */
  private updates(): Observable<Float32Array> {
    return new Observable<Float32Array>((subscriber) => {
      if (this.problem !== undefined) {
        this.state = 'failed';
        subscriber.error(sourceError(this.name, 'ERR_SOURCE_INVALID', this.problem));
        return undefined;
      }
      const reader = new MessageReader(this.fields, this.maxPayloadBytes);
      const backoff = new Backoff(this.reconnect.initialMs, this.reconnect.maxMs);
      const log = new RateLimitedWarn(this.warn);
      const where = redactUrl(this.config.url);
      let client: MqttClient | undefined;
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      let subscribed = false;
      let downSince: number | undefined;
      this.state = 'starting';

      const drop = (old: MqttClient): void => {
        old.removeAllListeners();
        old.on('error', () => undefined);
        old.end(true);
      };

      const fail = (error: Error): void => {
        stopped = true;
        clearTimeout(timer);
        if (client) drop(client);
        client = undefined;
        this.state = 'failed';
        subscriber.error(error);
      };

      const onSubscribed = (): void => {
        subscribed = true;
        backoff.reset();
        if (downSince !== undefined) this.counters.downtimeMs += performance.now() - downSince;
        downSince = undefined;
        if (this.state === 'restarting') log.send(`source ${this.name}: connected again to ${where}`);
        this.state = 'running';
      };

      const attempt = (): void => {
        timer = undefined;
        if (stopped) return;
        subscribed = false;
        const options: IClientOptions = {
          clientId: this.clientId,
          protocolVersion: 5,
          clean: true,
          reconnectPeriod: 0,
          connectTimeout: 10_000,
          // MQTT.js's default (60 s) noticed a silent broker after ~90 s; the sinks' keepalive_s, the same default.
          keepalive: this.config.keepaliveS,
          properties: { maximumPacketSize: MAX_PACKET_BYTES },
          ...(this.config.username === undefined ? {} : { username: this.config.username }),
          ...(this.config.password === undefined ? {} : { password: this.config.password }),
        };
        const current = connect(this.config.url, options);
        client = current;
        current.on('connect', () => {
          disableNagle(current);
          current.subscribe(this.config.topics, { qos: this.config.qos }, (error) => {
            if (stopped || current !== client) return;
            if (!error) {
              onSubscribed();
              return;
            }
            const code = (error as { code?: unknown }).code;
            if (typeof code === 'number') {
              const topics = this.config.topics.join(', ');
              fail(sourceError(this.name, 'ERR_SOURCE_INVALID', `${where} refused the subscription to ${topics}: ${error.message} (reason code ${code})`));
            } else {
              // Not an answer from the broker (the connection dropped mid-way): closing makes the close handler retry.
              current.end(true);
            }
          });
        });
        current.on('message', (topic, payload) => {
          if (current === client) this.take(topic, payload, reader, subscriber);
        });
        current.on('error', (error) => {
          if (current === client) log.send(`source ${this.name}: ${where}: ${error.message}`);
        });
        current.on('close', () => {
          if (stopped || current !== client) return;
          client = undefined;
          drop(current);
          if (subscribed) {
            this.counters.connectionLosses += 1;
            downSince = performance.now();
            log.send(`source ${this.name}: lost the connection to ${where}; reconnecting`);
          } else {
            this.counters.failedAttempts += 1;
          }
          if (this.state !== 'starting') this.state = 'restarting';
          timer = setTimeout(attempt, backoff.next());
        });
      };

      attempt();
      return () => {
        stopped = true;
        clearTimeout(timer);
        if (client) drop(client);
        client = undefined;
        if (this.state !== 'failed') this.state = 'ended';
      };
    });
  }

  private take(topic: string, payload: Buffer, reader: MessageReader, subscriber: { next(values: Float32Array): void }): void {
    this.counters.messages += 1;
    const reading = reader.read(topic, payload);
    switch (reading.kind) {
      case 'values':
        subscriber.next(reading.values);
        return;
      case 'unmatched':
        this.counters.unmatched += 1;
        return;
      case 'empty':
        this.counters.empty += 1;
        return;
      case 'malformed':
        this.counters.malformed += 1;
        return;
      case 'oversized':
        this.counters.oversized += 1;
        return;
    }
  }
}

/** The broker URL without credentials (`mqtt://user:secret@host` must never reach a log). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/iu, '$1***@');
}

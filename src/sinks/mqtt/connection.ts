/**
 * One MQTT.js client at a time, driven by our own reconnect loop (exponential backoff with jitter; MQTT.js's
 * `reconnectPeriod` is 0). Publishes only while online, so MQTT.js never queues offline (`queueQoSZero: false`),
 * and its in-memory store never holds more than the sink's in-flight window. Availability: a retained `online`
 * at connect, a retained `offline` as last will and at stop.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff } from './backoff.js';

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'stopping' | 'stopped';

export interface ConnectionEvents {
  /** Connected and `online` announced: publishing may start. */
  online(): void;
  /** The connection is gone; publishes not acknowledged will not be. */
  offline(): void;
  /** A connection or protocol error (one line, no secrets). */
  error(message: string): void;
}

export interface ConnectionOptions {
  url: string;
  clientId: string;
  protocol: 4 | 5;
  username?: string;
  password?: string;
  statusTopic: string;
  reconnect: { initialMs: number; maxMs: number };
}

/** Publish outcome: undefined = acknowledged; `refused` = the broker answered with an error reason code. */
export type PublishResult = undefined | { refused: boolean; message: string };

export class BrokerConnection {
  state: ConnectionState = 'offline';
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.backoff = new Backoff(options.reconnect.initialMs, options.reconnect.maxMs);
  }

  start(): void {
    this.attempt();
  }

  /** Publishes if online (returns false otherwise); `done` runs once, on PUBACK (QoS 1) or when written (QoS 0). */
  publish(topic: string, payload: string, qos: 0 | 1, retain: boolean, done: (result: PublishResult) => void): boolean {
    const client = this.client;
    if (this.state !== 'online' || !client) return false;
    client.publish(topic, payload, { qos, retain }, (error) => {
      if (client !== this.client) return; // an earlier connection: its messages are sent again on the new one
      if (!error) return done(undefined);
      const refused = typeof (error as { code?: unknown }).code === 'number';
      done({ refused, message: error.message });
    });
    return true;
  }

  /** Announces `offline` (if online, at most `timeoutMs`), disconnects and stops reconnecting. */
  async stop(timeoutMs: number): Promise<void> {
    if (this.state === 'stopped') return;
    const wasOnline = this.state === 'online';
    this.state = 'stopping';
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (!client) return void (this.state = 'stopped');
    if (wasOnline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        client.publish(this.options.statusTopic, 'offline', { qos: 1, retain: true }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await new Promise<void>((resolve) => client.end(!wasOnline, {}, () => resolve()));
    client.removeAllListeners();
    client.on('error', () => undefined);
    this.state = 'stopped';
  }

  private attempt(): void {
    this.timer = undefined;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'connecting';
    const { url, clientId, protocol, username, password, statusTopic } = this.options;
    const options: IClientOptions = {
      clientId,
      protocolVersion: protocol,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
    };
    const client = connect(url, options);
    this.client = client;
    let closed = false;
    client.on('connect', () => {
      if (client !== this.client) return;
      this.backoff.reset();
      this.state = 'online';
      client.publish(statusTopic, 'online', { qos: 1, retain: true });
      this.events.online();
    });
    client.on('error', (error) => {
      if (client === this.client) this.events.error(error.message);
    });
    client.on('close', () => {
      if (closed || client !== this.client) return;
      closed = true;
      this.client = undefined;
      const wasOnline = this.state === 'online';
      this.state = 'offline';
      client.end(true);
      client.removeAllListeners();
      client.on('error', () => undefined);
      if (wasOnline) this.events.offline();
      this.timer = setTimeout(() => this.attempt(), this.backoff.next());
    });
  }
}

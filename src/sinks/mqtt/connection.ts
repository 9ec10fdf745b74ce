/**
 * One MQTT.js client at a time, driven by our own reconnect loop (exponential backoff with jitter; MQTT.js's
 * `reconnectPeriod` is 0). Publishes only while online, so MQTT.js never queues offline (`queueQoSZero: false`),
 * and its in-memory store never holds more than the sink's in-flight window. Availability: a retained `online`
 * at connect, a retained `offline` as last will and at stop. Each failed attempt is reported once, with the delay
 * before the next; refused credentials wait the longest delay (retrying sooner cannot fix them).
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { disableNagle } from './no-delay.js';
import { Deadline } from '../../core/deadline.js';
import { Backoff } from './backoff.js';
import { describeTlsError, type TlsMaterial } from './tls-files.js';

export type ConnectionState = 'connecting' | 'online' | 'offline' | 'stopping' | 'stopped';

export interface ConnectionEvents {
  /** Connected and `online` announced: publishing may start. */
  online(): void;
  /** The connection is gone; publishes not acknowledged will not be. */
  offline(): void;
  /** A connection or protocol error (one line, no secrets). */
  error(message: string): void;
  /** A message on a subscribed topic. */
  message?(topic: string, payload: Buffer): void;
}

export interface ConnectionOptions {
  url: string;
  clientId: string;
  protocol: 4 | 5;
  username?: string;
  password?: string;
  statusTopic: string;
  /** MQTT keepalive, s: MQTT.js ends a connection whose pings go unanswered for 1.5 times this. */
  keepaliveS: number;
  reconnect: { initialMs: number; maxMs: number };
}

/**
 * Publish outcome: undefined = acknowledged; `refused`: the broker answered with an error reason code
 * (`reasonCode`, MQTT 5 PUBACK >= 0x80) or MQTT.js refused to send it; not refused: the connection went away.
 */
export type PublishResult = undefined | { refused: boolean; message: string; reasonCode?: number };

const hex = (code: number): string => `0x${code.toString(16).padStart(2, '0')}`;

/** CONNACK codes that mean the credentials (or this client) are refused: MQTT 5 0x86, 0x87, 0x8c; MQTT 3.1.1 4, 5. */
function refusedCredentials(protocol: 4 | 5, code: number): boolean {
  return protocol === 5 ? code === 0x86 || code === 0x87 || code === 0x8c : code === 4 || code === 5;
}

/** One line for a connection error; never includes credentials (MQTT.js and TLS messages do not carry them). */
function describeConnectError(protocol: 4 | 5, error: Error & { code?: unknown }): { message: string; credentials: boolean } {
  const code = error.code;
  if (typeof code === 'number' && refusedCredentials(protocol, code)) {
    const shown = protocol === 5 ? hex(code) : String(code);
    return { message: `not authorised: the broker refused the connection (CONNACK ${shown}): check username, password and the broker's ACL`, credentials: true };
  }
  if (typeof code === 'number') return { message: `${error.message} (reason code ${protocol === 5 ? hex(code) : code})`, credentials: false };
  return { message: describeTlsError(error) ?? error.message, credentials: false };
}

export class BrokerConnection {
  state: ConnectionState = 'offline';
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private tls: TlsMaterial | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.backoff = new Backoff(options.reconnect.initialMs, options.reconnect.maxMs);
  }

  /** `tls`: the files of `tls`, read by the caller (so a bad file fails the start, not each attempt). */
  start(tls?: TlsMaterial): void {
    this.tls = tls;
    this.attempt();
  }

  /** Publishes if online (returns false otherwise); `done` runs once, on PUBACK (QoS 1) or when written (QoS 0). */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, done: (result: PublishResult) => void): boolean {
    const client = this.client;
    if (this.state !== 'online' || !client) return false;
    client.publish(topic, payload, { qos, retain }, (error) => {
      if (client !== this.client) return; // an earlier connection: its messages are sent again on the new one
      if (!error) return done(undefined);
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number') return done({ refused: true, message: `${error.message} (PUBACK ${hex(code)})`, reasonCode: code });
      // The connection is going: published again on the next one. Any other local failure is treated as a refusal.
      if (error.message === 'Connection closed' || error.message === 'client disconnecting') return done({ refused: false, message: error.message });
      done({ refused: true, message: `not sent: ${error.message}` });
    });
    return true;
  }

  /** Subscribes on the current connection (rejects when offline, on an error or a refused SUBACK). */
  subscribe(filter: string, qos: 0 | 1): Promise<void> {
    const client = this.client;
    if (this.state !== 'online' || !client) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      client.subscribe(filter, { qos }, (error, granted) => {
        if (error) return reject(error);
        const code = granted?.[0]?.qos;
        if (code !== undefined && code >= 0x80) return reject(new Error(`the broker refused the subscription to ${filter} (SUBACK ${hex(code)})`));
        resolve();
      });
    });
  }

  /** Unsubscribes on the current connection; nothing to do when offline (a new connection starts clean). */
  unsubscribe(filter: string): Promise<void> {
    const client = this.client;
    if (this.state !== 'online' || !client) return Promise.resolve();
    return new Promise((resolve) => client.unsubscribe(filter, () => resolve()));
  }

  /**
   * Announces `offline` (if online), disconnects and stops reconnecting, all within `timeoutMs` whatever the network
   * does. A broker that acknowledged the `offline` in time, with nothing else unacknowledged, gets a DISCONNECT; any
   * other is cut off (the socket destroyed), and publishes the last will, the same retained `offline`. MQTT.js's own
   * graceful end() waits for every unacknowledged publish and for the broker to close the socket: with a frozen
   * broker (SIGSTOP) that lasted until the keepalive timeout (99 s measured with MQTT.js's default 60 s keepalive). Unacknowledged messages stay in the
   * callers' outboxes (their callbacks are ignored from here on).
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.state === 'stopped') return;
    const deadline = new Deadline(timeoutMs);
    const wasOnline = this.state === 'online';
    this.state = 'stopping';
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (!client) return void (this.state = 'stopped');
    let answered = false;
    if (wasOnline) {
      answered = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), deadline.left());
        client.publish(this.options.statusTopic, 'offline', { qos: 1, retain: true }, (error) => {
          clearTimeout(timer);
          resolve(!error);
        });
      });
    }
    const graceful = answered && Object.keys(client.outgoing).length === 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.stream?.destroy();
        resolve();
      }, deadline.left());
      client.end(!graceful, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.stream?.destroy();
    client.removeAllListeners();
    client.on('error', () => undefined);
    this.state = 'stopped';
  }

  private attempt(): void {
    this.timer = undefined;
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'connecting';
    const { url, clientId, protocol, username, password, statusTopic } = this.options;
    const tls = this.tls;
    const options: IClientOptions = {
      clientId,
      protocolVersion: protocol,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: this.options.keepaliveS,
      queueQoSZero: false,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : tls),
    };
    const client = connect(url, options);
    this.client = client;
    let closed = false;
    let failure: { message: string; credentials: boolean } | undefined;
    client.on('connect', () => {
      if (client !== this.client) return;
      disableNagle(client);
      this.backoff.reset();
      this.state = 'online';
      client.publish(statusTopic, 'online', { qos: 1, retain: true });
      this.events.online();
    });
    client.on('message', (topic, payload) => {
      if (client === this.client) this.events.message?.(topic, payload);
    });
    client.on('error', (error) => {
      if (client !== this.client) return;
      // While connecting, keep the first cause and report it with the retry delay when the attempt ends.
      if (this.state === 'online') this.events.error(describeConnectError(protocol, error).message);
      else failure ??= describeConnectError(protocol, error);
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
      const delay = failure?.credentials ? this.backoff.longest() : this.backoff.next();
      if (!wasOnline) this.events.error(`${failure?.message ?? 'the connection closed before the broker accepted it'}; retrying in ${delay} ms`);
      this.timer = setTimeout(() => this.attempt(), delay);
    });
  }
}

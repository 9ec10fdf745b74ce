/**
 * The live part of `edgepipe watch`: one MQTT connection (3.1.1, which every broker speaks, the demo's aedes
 * included; watching needs nothing from MQTT 5), the subscriptions, and the refresh loop: in place (cursor home,
 * clear) on a terminal, else a new block at most once a second and only when something changed.
 */
import { hostname } from 'node:os';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { describeTlsError, type TlsMaterial } from '../sinks/mqtt/tls-files.js';
import { renderJson, renderText, type ViewContext } from './render.js';
import type { PayloadCheck } from './schema-check.js';
import { WatchState } from './state.js';
import { parseTopic, subscriptions, type WatchFilter } from './topics.js';

export const REFRESH_MS = 1000;

/** The sink's config field names in describeTlsError's hints, as the flags of `edgepipe watch`. */
const tlsFlags: Record<string, string> = { 'tls.ca': '--ca', 'tls.cert': '--cert', 'tls.key': '--key', 'tls.server_name': '--server-name' };

/**
 * One line for a connection error, and whether retrying can fix it: refused credentials (CONNACK 4 or 5 under
 * 3.1.1) and TLS failures cannot, a refused or dropped TCP connection can. MQTT.js and TLS messages carry no password.
 */
export function describeWatchError(error: Error & { code?: unknown }): { message: string; fatal: boolean } {
  if (error.code === 4 || error.code === 5) {
    return { message: `not authorised: the broker refused the connection (CONNACK ${error.code}): check --username and the password (--password-file or EDGEPIPE_MQTT_PASSWORD)`, fatal: true };
  }
  const tls = describeTlsError(error);
  if (tls !== undefined) return { message: tls.replace(/tls\.(ca|cert|key|server_name)/gu, (field) => tlsFlags[field] ?? field), fatal: true };
  return { message: error.message.split('\n')[0]!, fatal: false };
}

type Connection = { state: 'connecting' } | { state: 'connected' } | { state: 'disconnected'; reason?: string };

function describeConnection(c: Connection): string {
  return c.state === 'disconnected' && c.reason ? `disconnected: ${c.reason}` : c.state;
}
const CLEAR = '\u001b[H\u001b[2J';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface WatchOptions {
  /** Validated mqtt:// or mqtts:// URL (may carry a user name, never a password). */
  url: string;
  username?: string;
  /** From a file or the environment, never from the command line; never printed. */
  password?: string;
  /** PEM contents and checks for mqtts:// (see readTlsFiles). */
  tls?: TlsMaterial;
  /** The URL as shown: without credentials. */
  shownUrl: string;
  filter: WatchFilter;
  json: boolean;
  /** Exit after the first refresh that shows a prediction. */
  once: boolean;
  /** Exit once this many predictions arrived (0 = no limit). */
  count: number;
  /** With once or count: give up after this long, ms. */
  timeoutMs: number;
  check: PayloadCheck;
  out: Output;
  err: Output;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

/** Runs until done (once, count), timed out (exit 1) or aborted (exit 0). */
export function watch(options: WatchOptions): Promise<number> {
  const state = new WatchState(options.check);
  const topics = subscriptions(options.filter);
  const tty = options.out.isTTY === true && !options.json;
  const limited = options.once || options.count > 0;
  let connection: Connection = { state: 'connecting' };
  let predictions = 0;
  let changes = 0;
  let printed = -1;
  let announced = false;
  const secure: IClientOptions = {
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls === undefined ? {} : options.tls),
  };
  const client: MqttClient = connect(options.url, {
    ...secure,
    protocolVersion: 4,
    clean: true,
    clientId: `edgepipe-watch-${hostname().replace(/[^A-Za-z0-9_-]/gu, '')}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: REFRESH_MS,
    connectTimeout: 5000,
    resubscribe: false,
  });

  const view = (): ViewContext => ({ broker: options.shownUrl, connection: describeConnection(connection), subscriptions: topics, time: new Date().toISOString() });
  const print = (): void => {
    const snapshot = state.snapshot(Date.now());
    if (options.json) options.out.write(renderJson(snapshot, view()));
    else options.out.write(`${tty ? CLEAR : ''}${renderText(snapshot, view())}${tty ? '' : '\n'}`);
    printed = changes;
  };

  return new Promise<number>((resolve) => {
    let finished = false;
    const finish = (code: number, message?: string): void => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      clearTimeout(deadline);
      options.signal.removeEventListener('abort', onAbort);
      if (message) options.err.write(`edgepipe watch: ${message}\n`);
      client.end(true, {}, () => resolve(code));
    };
    const onAbort = (): void => finish(0);
    options.signal.addEventListener('abort', onAbort);

    client.on('connect', () => {
      connection = { state: 'connected' };
      changes += 1;
      client.subscribe([topics.predictions, topics.status], { qos: 1 }, (error, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (error || refused.length > 0) {
          finish(1, `the broker refused the subscription to ${refused.join(', ') || `${topics.predictions}, ${topics.status}`}${error ? `: ${error.message}` : ''}`);
          return;
        }
        if (!announced) options.err.write(`edgepipe watch: subscribed to ${topics.predictions} and ${topics.status} on ${options.shownUrl}\n`);
        announced = true;
      });
    });
    client.on('close', () => {
      if (connection.state === 'connected') connection = { state: 'disconnected' };
      changes += 1;
    });
    let reported = '';
    client.on('error', (error) => {
      const { message, fatal } = describeWatchError(error);
      connection = { state: 'disconnected', reason: message };
      changes += 1;
      // Retrying cannot fix refused credentials or certificates: one line and exit 1, in every mode.
      if (fatal) finish(1, `broker ${options.shownUrl}: ${message}`);
      else if (message !== reported && !limited) options.err.write(`edgepipe watch: broker ${options.shownUrl}: ${message}; retrying\n`);
      reported = message;
    });
    client.on('message', (topic, payload) => {
      if (finished) return;
      const parsed = parseTopic(topic);
      changes += 1;
      if (parsed.kind === 'status') state.status(parsed.device, payload.toString('utf8'));
      else if (parsed.kind === 'other') state.ignored();
      else {
        state.prediction(parsed.device, parsed.pipeline, payload.toString('utf8'), Date.now());
        predictions += 1;
        if (options.count > 0 && predictions >= options.count) {
          print();
          finish(0);
        }
      }
    });

    const timer = setInterval(() => {
      if (options.once && predictions > 0) {
        print();
        finish(0);
      } else if (!limited && (tty || changes !== printed)) print();
    }, REFRESH_MS);
    const deadline = limited
      ? setTimeout(() => {
          print();
          const what = options.count > 0 ? `${predictions} of ${options.count} predictions arrived` : 'no prediction arrived';
          finish(1, `${what} within ${options.timeoutMs / 1000} s on ${topics.predictions} (broker ${describeConnection(connection)})`);
        }, options.timeoutMs)
      : undefined;
    if (options.signal.aborted) finish(0);
  });
}

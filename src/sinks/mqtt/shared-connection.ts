/**
 * One MQTT connection per broker for the whole process (docs/mqtt.md, "Shared connection"): sinks whose url,
 * client id, user name and TLS files are the same share one BrokerConnection (one client, one last will, one
 * device status), each through its own lease with its own outbox and in-flight accounting. Reference-counted: the
 * connection is closed (clean `offline`) when the last lease is released. Leases also subscribe: subscriptions are
 * kept here and made again after every reconnect (the session is clean).
 */
import { within } from '../timing.js';
import type { TlsMaterial } from './tls-files.js';
import { BrokerConnection, type ConnectionOptions, type ConnectionState, type PublishResult } from './connection.js';

export interface LeaseEvents {
  /** Connected (and the device announced `online`). */
  online(): void;
  /** The connection went away; unacknowledged publishes will not be acknowledged. */
  offline(): void;
  /** A connection error; `first` is true for one lease only, so the line is logged once per connection. */
  error(message: string, first: boolean): void;
}

export type MessageHandler = (topic: string, payload: Buffer) => void;

/** What one sink (or the commands module, through the sink) sees of the shared connection. */
export interface ConnectionLease {
  readonly state: ConnectionState;
  /** See BrokerConnection.publish: false (and `done` never called) when offline. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, retain: boolean, done: (result: PublishResult) => void): boolean;
  /**
   * Calls `onMessage` for each message matching `filter` (wildcards allowed). Resolves once the broker granted
   * the subscription, or at once when offline (it is made at the next connect); subscriptions are made again
   * after each reconnect. Rejects when the broker refuses it.
   */
  subscribe(filter: string, qos: 0 | 1, onMessage: MessageHandler): Promise<void>;
  /** Removes `onMessage` (all of this lease's handlers for `filter` when omitted); unsubscribes when none is left. */
  unsubscribe(filter: string, onMessage?: MessageHandler): Promise<void>;
  /** Gives the lease back within `timeoutMs`; the last one closes the connection (announcing `offline` if it can). */
  release(timeoutMs: number): Promise<void>;
}

/** Identifies a shared connection. */
export interface ConnectionKey {
  url: string;
  clientId: string;
  username?: string;
  /** The TLS file paths (or undefined for none). */
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string; rejectUnauthorized: boolean };
}

/** Whether an MQTT topic filter matches a topic (`+` one level, `#` the rest; `$` topics only explicitly). */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

interface Lease {
  events: LeaseEvents;
  handlers: Map<string, Set<MessageHandler>>;
}

class SharedConnection {
  readonly connection: BrokerConnection;
  readonly leases = new Set<Lease>();
  /** filter -> QoS asked for (the highest of its leases). */
  private readonly filters = new Map<string, 0 | 1>();

  constructor(
    readonly key: string,
    readonly options: ConnectionOptions,
  ) {
    this.connection = new BrokerConnection(options, {
      online: () => {
        for (const [filter, qos] of this.filters) this.connection.subscribe(filter, qos).catch((error: Error) => this.error(`subscribe ${filter}: ${error.message}`));
        for (const lease of this.leases) lease.events.online();
      },
      offline: () => {
        for (const lease of this.leases) lease.events.offline();
      },
      error: (message) => this.error(message),
      message: (topic, payload) => {
        for (const lease of this.leases) {
          for (const [filter, handlers] of lease.handlers) {
            if (!topicMatches(filter, topic)) continue;
            for (const handler of handlers) handler(topic, payload);
          }
        }
      },
    });
  }

  private error(message: string): void {
    let first = true;
    for (const lease of this.leases) {
      lease.events.error(message, first);
      first = false;
    }
  }

  lease(events: LeaseEvents): ConnectionLease {
    const lease: Lease = { events, handlers: new Map() };
    this.leases.add(lease);
    const shared = this;
    return {
      get state() {
        return shared.connection.state;
      },
      publish: (topic, payload, qos, retain, done) => this.leases.has(lease) && this.connection.publish(topic, payload, qos, retain, done),
      subscribe: async (filter, qos, onMessage) => {
        if (!this.leases.has(lease)) throw new Error('the connection was released');
        const handlers = lease.handlers.get(filter) ?? new Set();
        handlers.add(onMessage);
        lease.handlers.set(filter, handlers);
        const known = this.filters.get(filter);
        if (known !== undefined && known >= qos) return;
        this.filters.set(filter, qos);
        if (this.connection.state === 'online') await this.connection.subscribe(filter, qos);
      },
      unsubscribe: async (filter, onMessage) => {
        const handlers = lease.handlers.get(filter);
        if (onMessage === undefined) handlers?.clear();
        else handlers?.delete(onMessage);
        if (handlers?.size === 0) lease.handlers.delete(filter);
        await this.dropUnused(filter);
      },
      release: async (timeoutMs) => {
        if (!this.leases.delete(lease)) return;
        const filters = [...lease.handlers.keys()];
        lease.handlers.clear();
        if (this.leases.size === 0) {
          registry.delete(this.key);
          await this.connection.stop(timeoutMs);
          return;
        }
        // A frozen broker never answers UNSUBSCRIBE: its answer is not worth more than the caller's time.
        await within(Promise.all(filters.map((filter) => this.dropUnused(filter))), timeoutMs);
      },
    };
  }

  private async dropUnused(filter: string): Promise<void> {
    if ([...this.leases].some((lease) => lease.handlers.has(filter)) || !this.filters.delete(filter)) return;
    await this.connection.unsubscribe(filter);
  }
}

const registry = new Map<string, SharedConnection>();

/** How many shared connections are open in this process (for stats and tests). */
export function openConnections(): number {
  return registry.size;
}

/**
 * A lease on the connection for `key`, opening it (with `options` and `tls`) if this is the first. Throws when a
 * connection with this key exists with another protocol, password or status topic (they cannot share a client).
 */
export function acquireConnection(key: ConnectionKey, options: ConnectionOptions, tls: TlsMaterial | undefined, events: LeaseEvents): ConnectionLease {
  const id = JSON.stringify([key.url, key.clientId, key.username ?? null, key.tls ?? null]);
  let shared = registry.get(id);
  if (shared) {
    const first = shared.options;
    const differs = [
      first.protocol !== options.protocol && `protocol ${options.protocol} (it uses ${first.protocol})`,
      first.password !== options.password && 'another password',
      first.keepaliveS !== options.keepaliveS && `keepalive_s ${options.keepaliveS} (it uses ${first.keepaliveS})`,
      first.statusTopic !== options.statusTopic && `status topic ${options.statusTopic} (it uses ${first.statusTopic})`,
    ].filter((d): d is string => typeof d === 'string');
    if (differs.length > 0) {
      throw new Error(`shares the connection to ${key.url} as client ${key.clientId} with another sink but sets ${differs.join(', ')}: use the same settings or another client_id`);
    }
    return shared.lease(events);
  }
  shared = new SharedConnection(id, options);
  registry.set(id, shared);
  const lease = shared.lease(events);
  shared.connection.start(tls);
  return lease;
}

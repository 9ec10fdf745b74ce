/**
 * A lease on the process-wide connection a `mqtt` sink config names (shared-connection.ts): what the sink uses,
 * and what other modules (MQTT commands) use to publish and subscribe on the same client.
 */
import { hostname as osHostname } from 'node:os';
import type { MqttSinkConfig } from '../../config/types.js';
import { fillTopic } from './envelope.js';
import { acquireConnection, type ConnectionLease, type LeaseEvents } from './shared-connection.js';
import { readTlsFiles } from './tls-files.js';

/** The device id a config gives on this host (device_id, else the hostname). */
export const deviceIdOf = (config: MqttSinkConfig, host: string = osHostname()): string => config.deviceId ?? host;

/** The client id a config gives on this host: client_id, else `edgepipe-<hostname>` (shared by the pipelines). */
export const clientIdOf = (config: MqttSinkConfig, host: string = osHostname()): string => config.clientId ?? `edgepipe-${host}`;

/**
 * Opens (or joins) the connection for `config`, reading its TLS files. `pipeline` fills `{pipeline}` in the
 * status topic (normally absent from it). Rejects when a TLS file cannot be read (message: the cause) or the
 * connection exists with other settings. Never waits for the broker: check `lease.state` / `events.online`.
 */
export async function openLease(config: MqttSinkConfig, pipeline: string, events: LeaseEvents, host: string = osHostname()): Promise<ConnectionLease> {
  let tls;
  try {
    tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  } catch (error) {
    throw new Error(`cannot read the TLS files: ${(error as Error).message}`, { cause: error });
  }
  const clientId = clientIdOf(config, host);
  return acquireConnection(
    { url: config.url, clientId, ...(config.username === undefined ? {} : { username: config.username }), ...(config.tls ? { tls: config.tls } : {}) },
    {
      url: config.url,
      clientId,
      protocol: config.protocol,
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      statusTopic: fillTopic(config.statusTopic, { device: deviceIdOf(config, host), pipeline }),
      keepaliveS: config.keepaliveS,
      reconnect: config.reconnect,
    },
    tls,
    events,
  );
}

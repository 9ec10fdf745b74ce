/**
 * One connection per broker shared by the pipelines' mqtt sinks, against a real Mosquitto whose log shows each
 * client connection; and the subscribe API on that connection (re-subscribed after the broker restarts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { acquireConnection, openConnections, topicMatches, type ConnectionLease } from '../../src/sinks/mqtt/shared-connection.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip } from './mqtt-broker.js';
import { Collector } from './mqtt-collector.js';
import { mqttConfig, removeOutboxDirs, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };

describe('topicMatches', () => {
  it('follows MQTT wildcards', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
    expect(topicMatches('#', '$SYS/broker/uptime')).toBe(false);
  });
});

describe.skipIf(binary === undefined)('shared mqtt connection with Mosquitto', () => {
  let broker: Mosquitto;
  let watcher: Collector;
  const log = (): Promise<string> => readFile(path.join(broker.dir, 'mosquitto.log'), 'utf8');
  /** How many times the broker logged a new connection of `clientId`. */
  const connections = async (clientId: string): Promise<number> => (await log()).split('\n').filter((line) => line.includes('New client connected') && line.includes(` as ${clientId} `)).length;

  beforeAll(async () => {
    broker = await Mosquitto.startWith(binary!, (dir, port) => [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      `log_dest file ${dir}/mosquitto.log`,
      'log_type all',
      'connection_messages true',
    ]);
    watcher = await Collector.start(broker.url, ['edgepipe/#']);
  });
  afterAll(async () => {
    await watcher?.stop();
    await broker?.stop();
    await removeOutboxDirs();
  });

  it('two pipelines: one client connection, both publish, stopping one keeps the other publishing', async () => {
    const clientId = `edgepipe-shared-${process.pid}`;
    const door = new MqttSink('door', await mqttConfig(broker.url, { clientId, deviceId: 'shared' }), quiet);
    const yard = new MqttSink('yard', await mqttConfig(broker.url, { clientId, deviceId: 'shared' }), quiet);
    const before = openConnections();
    await door.start();
    await yard.start();
    expect(openConnections()).toBe(before + 1);
    for (let i = 0; i < 10; i++) {
      door.write(prediction(i));
      yard.write(prediction(i));
    }
    expect(await door.flush()).toBe(true);
    expect(await yard.flush()).toBe(true);
    await watcher.until(() => watcher.on('edgepipe/shared/door/predictions').length >= 10 && watcher.on('edgepipe/shared/yard/predictions').length >= 10, 'both pipelines');
    expect(seqs(watcher.on('edgepipe/shared/door/predictions'))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(seqs(watcher.on('edgepipe/shared/yard/predictions'))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(await connections(clientId)).toBe(1);

    await door.stop();
    expect(openConnections()).toBe(before + 1);
    for (let i = 10; i < 15; i++) yard.write(prediction(i));
    expect(await yard.flush()).toBe(true);
    await watcher.until(() => watcher.on('edgepipe/shared/yard/predictions').length >= 15, 'yard after door stopped');
    expect(yard.stats()).toMatchObject({ written: 15, dropped: 0, pending: 0 });
    expect(door.stats()).toMatchObject({ written: 10, dropped: 0, pending: 0 });
    expect(await connections(clientId)).toBe(1);
    // The device is online until the last sink stops, then offline.
    expect(watcher.on('edgepipe/shared/status')).toEqual(['online']);
    await yard.stop();
    expect(openConnections()).toBe(before);
    await watcher.until(() => watcher.on('edgepipe/shared/status').length >= 2, 'offline');
    expect(watcher.on('edgepipe/shared/status')).toEqual(['online', 'offline']);
  });

  it('sinks sharing a client id with another protocol are refused with a message naming both', async () => {
    const clientId = `edgepipe-conflict-${process.pid}`;
    const door = new MqttSink('door', await mqttConfig(broker.url, { clientId }), quiet);
    const yard = new MqttSink('yard', await mqttConfig(broker.url, { clientId, protocol: 4 }), quiet);
    await door.start();
    await expect(yard.start()).rejects.toThrow(
      `sink yard/mqtt: shares the connection to ${broker.url} as client ${clientId} with another sink but sets protocol 4 (it uses 5): use the same settings or another client_id`,
    );
    await door.stop();
  });

  it('subscribe: messages matching the filter arrive, again after a broker restart; unsubscribe stops them', async () => {
    const online: number[] = [];
    const lease: ConnectionLease = acquireConnection(
      { url: broker.url, clientId: `edgepipe-sub-${process.pid}` },
      { url: broker.url, clientId: `edgepipe-sub-${process.pid}`, protocol: 5, statusTopic: 'edgepipe/sub/status', keepaliveS: 15, reconnect: { initialMs: 50, maxMs: 200 } },
      undefined,
      { online: () => online.push(Date.now()), offline: () => undefined, error: () => undefined },
    );
    const got: Array<[string, string]> = [];
    const markers: string[] = [];
    await lease.subscribe('cmd/+/in', 1, (topic, payload) => got.push([topic, payload.toString('utf8')]));
    await lease.subscribe('marker', 1, (_topic, payload) => markers.push(payload.toString('utf8')));
    await watcher.until(() => lease.state === 'online' && online.length >= 1, 'the connection');
    // Subscriptions made before the connection was up are made at connect: wait for the broker to have them.
    await watcher.until(() => markers.length > 0 || (void watcher.publish('marker', 'm0'), false), 'the subscriptions', 15_000);
    await watcher.publish('cmd/door/in', 'one');
    await watcher.publish('cmd/door/out', 'ignored');
    await watcher.until(() => got.length >= 1, 'the first command');

    await broker.kill();
    await broker.run();
    await watcher.until(() => online.length >= 2, 'the reconnect');
    await watcher.until(() => got.length >= 2 || (void watcher.publish('cmd/yard/in', 'two'), false), 'a command after the restart');
    expect(got[0]).toEqual(['cmd/door/in', 'one']);
    expect(got[1]).toEqual(['cmd/yard/in', 'two']);

    await lease.unsubscribe('cmd/+/in');
    const count = got.length;
    markers.length = 0;
    await watcher.publish('cmd/door/in', 'after unsubscribe');
    await watcher.publish('marker', 'last');
    await watcher.until(() => markers.includes('last'), 'the marker');
    expect(got.length).toBe(count);
    await lease.release(1000);
  });
});

/**
 * deploy/mosquitto/edgepipe.conf is a working Mosquitto configuration: a copy with the port and the persistence
 * folder changed (and, with openssl, its commented TLS listener enabled) starts, carries edgepipe's messages and
 * saves its database on a clean stop.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { prediction } from './helpers.js';
import { freePort, Mosquitto, mosquittoOrSkip, replaceLine, shippedConfig, Subscriber } from './mqtt-broker.js';
import { makePki, opensslOrSkip, type TestPki } from './mqtt-certs.js';
import { mqttConfig, predictionsTopic, removeOutboxDirs, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();

/** The shipped file on `port` with persistence in `dir`; with `tls`, its TLS listener enabled on `tlsPort`. */
function variant(dir: string, port: number, tls?: { pki: TestPki; port: number }): string[] {
  let lines = shippedConfig(dir, port);
  if (!tls) return lines;
  lines = replaceLine(lines, '#listener 8883 0.0.0.0', `listener ${tls.port} 127.0.0.1`);
  lines = replaceLine(lines, '#cafile /etc/mosquitto/certs/ca.crt', `cafile ${tls.pki.ca}`);
  lines = replaceLine(lines, '#certfile /etc/mosquitto/certs/server.crt', `certfile ${tls.pki.serverCert}`);
  lines = replaceLine(lines, '#keyfile /etc/mosquitto/certs/server.key', `keyfile ${tls.pki.serverKey}`);
  for (const option of ['require_certificate', 'use_identity_as_username', 'tls_version']) lines = replaceLine(lines, new RegExp(`^#${option} `, 'u'), lines.find((l) => l.startsWith(`#${option} `))!.slice(1));
  return lines;
}

describe.skipIf(binary === undefined)('deploy/mosquitto/edgepipe.conf', () => {
  let broker: Mosquitto | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
    await removeOutboxDirs();
  });

  it('starts, carries predictions on the loopback listener and saves its database on a clean stop', async () => {
    broker = await Mosquitto.startWith(binary!, (dir, port) => variant(dir, port));
    const subscriber = await Subscriber.start(broker.url, predictionsTopic, { clientId: `deploy-${process.pid}`, clean: false, properties: { sessionExpiryInterval: 3600 } });
    const sink = new MqttSink('door', await mqttConfig(broker.url), { warn: () => undefined });
    await sink.start();
    for (let i = 0; i < 10; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(true);
    expect(seqs(await subscriber.settle(10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await sink.stop();
    await subscriber.stop();
    await broker.terminate();
    expect(statSync(path.join(broker.dir, 'mosquitto.db')).size).toBeGreaterThan(0);
  });

  it.skipIf(!opensslOrSkip())('its commented TLS listener, enabled, takes a client certificate', async () => {
    const tlsPort = await freePort();
    let pki: TestPki | undefined;
    broker = await Mosquitto.startWith(binary!, (dir, port) => variant(dir, port, { pki: pki!, port: tlsPort }), (dir) => void (pki = makePki(dir)));
    const subscriber = await Subscriber.start(broker.url, predictionsTopic);
    const tls = { ca: pki!.ca, cert: pki!.clientCert, key: pki!.clientKey, rejectUnauthorized: true };
    const sink = new MqttSink('door', await mqttConfig(`mqtts://127.0.0.1:${tlsPort}`, { tls }), { warn: () => undefined });
    await sink.start();
    sink.write(prediction(1));
    expect(await sink.flush()).toBe(true);
    expect(seqs(await subscriber.settle(1))).toEqual([1]);
    await sink.stop();
    await subscriber.stop();
  });
});

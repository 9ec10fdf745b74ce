/**
 * TLS with client certificates against a real Mosquitto (`require_certificate true`) and a PKI made with openssl:
 * accepted with the client certificate, refused and reported without one or with the wrong CA, bad files fail the
 * start naming the field, and no key material reaches the log.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { MqttSinkConfig } from '../../src/config/types.js';
import { createSink } from '../../src/sinks/index.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { placeholderModel } from '../config/helpers.js';
import { until } from '../sources/helpers.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from './mqtt-broker.js';
import { makePki, opensslOrSkip, type TestPki } from './mqtt-certs.js';
import { mqttConfig, payloadErrors, predictionsTopic, removeOutboxDirs, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const canRun = binary !== undefined && opensslOrSkip();

describe.skipIf(!canRun)('mqtt sink over TLS with client certificates', () => {
  let broker: Mosquitto;
  let pki: TestPki;
  let url: string;
  const logs: string[] = [];
  const sinks: MqttSink[] = [];
  const warn = (message: string) => logs.push(message);

  beforeAll(async () => {
    broker = await Mosquitto.startWith(
      binary!,
      (dir, port) => [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        `cafile ${dir}/ca.crt`,
        `certfile ${dir}/server.crt`,
        `keyfile ${dir}/server.key`,
        'require_certificate true',
      ],
      (dir) => void (pki = makePki(dir)),
    );
    url = `mqtts://127.0.0.1:${broker.port}`;
  });
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.stop()));
    // Secrets never logged: no PEM block, no line of the client key, across every test of this file.
    const keyLines = readFileSync(pki.clientKey, 'utf8').split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
    const text = logs.join('\n');
    expect(text).not.toContain('-----BEGIN');
    for (const line of keyLines) expect(text).not.toContain(line);
    await broker?.stop();
    await removeOutboxDirs();
  });

  async function sinkWith(tls: MqttSinkConfig['tls'], name = 'door'): Promise<MqttSink> {
    const sink = new MqttSink(name, await mqttConfig(url, { tls }), { warn });
    sinks.push(sink);
    return sink;
  }

  it('a prediction published with the client certificate arrives', async () => {
    const subscriber = await Subscriber.start(url, predictionsTopic, { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
    const sink = await sinkWith({ ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: true });
    await sink.start();
    for (let i = 0; i < 5; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(true);
    const payloads = await subscriber.settle(5);
    await subscriber.stop();
    expect(seqs(payloads)).toEqual([1, 2, 3, 4, 5]);
    expect(payloadErrors(payloads[0]!)).toEqual([]);
    expect(sink.stats()).toEqual({ written: 5, dropped: 0, errors: 0, pending: 0 });
  });

  it('from YAML: paths relative to the file, the key from ${CREDENTIALS_DIRECTORY}', async () => {
    const subscriber = await Subscriber.start(url, 'edgepipe/yaml/gate/predictions', { ca: readFileSync(pki.ca), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) });
    const yaml = `version: 1
pipelines:
  - name: gate
    source: { kind: synthetic }
    model: { file: ${placeholderModel} }
    postprocess: { kind: classify }
    sinks:
      - kind: mqtt
        url: ${url}
        device_id: yaml
        tls: { ca: ./ca.crt, cert: client.crt, key: "\${CREDENTIALS_DIRECTORY}/client.key" }
        outbox: { dir: ./outbox-yaml }
`;
    const config = parseConfig(path.join(pki.dir, 'pipeline.yaml'), yaml, { env: { CREDENTIALS_DIRECTORY: pki.dir } });
    const sink = createSink('gate', config.pipelines[0]!.sinks[0]!, { warn });
    await sink.start();
    sink.write(prediction(1));
    expect(await sink.flush()).toBe(true);
    expect(seqs(await subscriber.settle(1))).toEqual([1]);
    await sink.stop();
    await subscriber.stop();
  });

  it('without a client certificate the broker refuses the connection: reported, nothing sent, messages kept', async () => {
    const sink = await sinkWith({ ca: pki.ca, rejectUnauthorized: true }, 'nocert');
    await sink.start();
    sink.write(prediction(1));
    await until(() => sink.stats().errors >= 2, 10_000, 'two refused attempts');
    const stats = sink.stats();
    expect(stats).toMatchObject({ written: 0, pending: 1 });
    expect(stats.lastError).toMatch(
      /^broker mqtts:\/\/127\.0\.0\.1:\d+: TLS: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): the broker requires a client certificate: set tls.cert and tls.key; retrying in \d+ ms$/u,
    );
    expect(logs.some((line) => line.startsWith('sink nocert/mqtt: broker mqtts://') && line.includes('TLS'))).toBe(true);
  });

  it('a broker certificate not signed by the configured CA is refused', async () => {
    const sink = await sinkWith({ ca: pki.otherCa, cert: pki.clientCert, key: pki.clientKey, rejectUnauthorized: true }, 'wrongca');
    await sink.start();
    sink.write(prediction(1));
    await until(() => sink.stats().errors >= 1, 10_000, 'a refused attempt');
    expect(sink.stats()).toMatchObject({ written: 0, pending: 1 });
    expect(sink.stats().lastError).toMatch(/TLS: the broker certificate was not accepted: .* \(check tls.ca and tls.server_name\); retrying in \d+ ms$/u);
  });

  it('unreadable or non-PEM files fail the start, naming the field and the path', async () => {
    const missing = await sinkWith({ ca: pki.ca, cert: pki.clientCert, key: `${pki.dir}/nope.key`, rejectUnauthorized: true }, 'missing');
    await expect(missing.start()).rejects.toThrow(`sink missing/mqtt: cannot read the TLS files: tls.key ${pki.dir}/nope.key: no such file or directory`);
    const swapped = await sinkWith({ ca: pki.clientKey, rejectUnauthorized: true }, 'swapped');
    await expect(swapped.start()).rejects.toThrow(`tls.ca ${pki.clientKey}: not a PEM file (expected a "-----BEGIN ...CERTIFICATE-----" block)`);
  });
});

/**
 * Credentials and refusals against a real Mosquitto with a password file (mosquitto_passwd), `allow_anonymous false`
 * and an ACL file. Measured with Mosquitto 2.0.11: a wrong password gets CONNACK 0x87 (MQTT 5) / 5 (3.1.1), and a
 * QoS 1 publish the ACL denies gets PUBACK 0x87 under MQTT 5 (under 3.1.1 a plain PUBACK: nothing to detect).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactedConfigDump } from '../../src/config/dump.js';
import { parseConfig } from '../../src/config/load.js';
import type { MqttSinkConfig } from '../../src/config/types.js';
import { createSink } from '../../src/sinks/index.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { placeholderModel } from '../config/helpers.js';
import { until } from '../sources/helpers.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from './mqtt-broker.js';
import { mqttConfig, payloadErrors, predictionsTopic, removeOutboxDirs, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const password = 'pw-right-7f3a91';
const wrongPassword = 'pw-wrong-c0ffee';
const reader = { username: 'reader', password: 'reader-pw-1' };
const acl = (extra: string[] = []) =>
  ['user edgepipe', 'topic readwrite edgepipe/+/status', 'topic write edgepipe/+/door/predictions', ...extra, '', 'user reader', 'topic read #', ''].join('\n');

function passwd(dir: string, user: string, secret: string, create: boolean): void {
  const args = [...(create ? ['-c'] : []), '-b', path.join(dir, 'passwd'), user, secret];
  const result = spawnSync('mosquitto_passwd', args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`mosquitto_passwd failed (apt-get install -y mosquitto): ${result.error?.message ?? result.stderr}`);
}

describe.skipIf(binary === undefined)('mqtt sink with a password file and an ACL', () => {
  let broker: Mosquitto;
  const logs: string[] = [];
  const warn = (message: string) => logs.push(message);
  const sinks: MqttSink[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.startWith(
      binary!,
      (dir, port) => [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${dir}/passwd`, `acl_file ${dir}/acl`],
      (dir) => {
        passwd(dir, 'edgepipe', password, true);
        passwd(dir, reader.username, reader.password, false);
        writeFileSync(path.join(dir, 'acl'), acl());
      },
    );
  });
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.stop()));
    const text = logs.join('\n');
    expect(text).not.toContain(password);
    expect(text).not.toContain(wrongPassword);
    await broker?.stop();
    await removeOutboxDirs();
  });

  async function sink(pipeline: string, overrides: Partial<MqttSinkConfig> = {}, stopTimeoutMs?: number): Promise<MqttSink> {
    const config = await mqttConfig(broker.url, { username: 'edgepipe', password, ...overrides });
    const made = new MqttSink(pipeline, config, { warn, ...(stopTimeoutMs === undefined ? {} : { stopTimeoutMs }) });
    sinks.push(made);
    await made.start();
    return made;
  }

  it('the right password is accepted', async () => {
    const subscriber = await Subscriber.start(broker.url, predictionsTopic, reader);
    const door = await sink('door');
    for (let i = 0; i < 3; i++) door.write(prediction(i));
    expect(await door.flush()).toBe(true);
    expect(seqs(await subscriber.settle(3))).toEqual([1, 2, 3]);
    await subscriber.stop();
  });

  it('a password from a systemd credential (${credential:NAME}) is accepted, and hidden in the config dump', async () => {
    const subscriber = await Subscriber.start(broker.url, 'edgepipe/cred/door/predictions', reader);
    const credentials = path.join(broker.dir, 'credentials');
    mkdirSync(credentials);
    writeFileSync(path.join(credentials, 'mqtt-password'), `${password}\n`);
    const yaml = `version: 1
pipelines:
  - name: door
    source: { kind: synthetic }
    model: { file: ${placeholderModel} }
    postprocess: { kind: classify }
    sinks:
      - { kind: mqtt, url: "${broker.url}", device_id: cred, username: edgepipe, password: "\${credential:mqtt-password}", outbox: { dir: ./outbox-cred } }
`;
    const config = parseConfig(path.join(broker.dir, 'p.yaml'), yaml, { env: { CREDENTIALS_DIRECTORY: credentials } });
    expect(redactedConfigDump(config)).not.toContain(password);
    const door = createSink('door', config.pipelines[0]!.sinks[0]!, { warn });
    await door.start();
    door.write(prediction(1));
    expect(await door.flush()).toBe(true);
    expect(seqs(await subscriber.settle(1))).toEqual([1]);
    await door.stop();
    await subscriber.stop();
  });

  it.each([5, 4] as const)('a wrong password (protocol %i) is reported as not authorised and retried only after the longest delay', async (protocol) => {
    const door = await sink('door', { password: wrongPassword, protocol, reconnect: { initialMs: 10, maxMs: 60_000 } });
    await until(() => door.stats().errors >= 1, 10_000, 'the refused connection');
    const code = protocol === 5 ? '0x87' : '5';
    const match = new RegExp(`not authorised: the broker refused the connection \\(CONNACK ${code}\\): check username, password and the broker's ACL; retrying in (\\d+) ms$`, 'u').exec(door.stats().lastError ?? '');
    expect(match, door.stats().lastError).not.toBeNull();
    // Equal jitter over max_ms: at least half of it, instead of initial_ms (10 ms) doubling from the start.
    expect(Number(match![1])).toBeGreaterThanOrEqual(30_000);
    expect(door.stats()).toMatchObject({ errors: 1, written: 0, pending: 0 });
  });

  it('a publish the ACL denies (PUBACK 0x87) is retried max_attempts times, then dead-lettered and counted', async () => {
    // The ACL denies the pipeline status topic too: off here, so only the predictions count.
    const denied = await sink('denied', {
      deadLetter: { maxAttempts: 3, maxBytes: 1024 * 1024 },
      reconnect: { initialMs: 10, maxMs: 100 },
      pipelineStatus: { enabled: false, topic: 'edgepipe/{device}/{pipeline}/status' },
    });
    for (let i = 0; i < 4; i++) denied.write(prediction(i));
    await until(() => denied.stats().deadLettered === 4, 10_000, 'four dead letters');
    expect(await denied.flush()).toBe(true);
    const { lastError, ...stats } = denied.stats();
    expect(stats).toEqual({ written: 0, dropped: 4, errors: 12, pending: 0, refused: 12, deadLettered: 4 });
    expect(lastError).toMatch(/^broker refused message 4 3 times: Publish error: Not authorized \(PUBACK 0x87\); moved to .*dead-letter\.jsonl$/u);
    const dir = denied.outboxDir;
    const letters = readFileSync(path.join(dir, 'dead-letter.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(letters.map((l) => [l['seq'], l['topic'], l['reason_code'], l['attempts']])).toEqual(
      [1, 2, 3, 4].map((seq) => [seq, 'edgepipe/dev/denied/predictions', 0x87, 3]),
    );
    for (const letter of letters) expect(payloadErrors(letter['payload'] as string)).toEqual([]);
    // 12 refusals and 4 dead letters within 10 s: one warning line, the rest counted.
    expect(logs.filter((line) => line.startsWith('sink denied/mqtt: broker refused'))).toHaveLength(1);
  });

  it('the dead-letter file is bounded: rotated to dead-letter.jsonl.1 beyond max_bytes', async () => {
    const denied = await sink('denied', { deadLetter: { maxAttempts: 1, maxBytes: 4096 } });
    for (let i = 0; i < 20; i++) denied.write(prediction(i));
    await until(() => denied.stats().deadLettered === 20, 10_000, 'twenty dead letters');
    const dir = denied.outboxDir;
    const files = readdirSync(dir).filter((name) => name.startsWith('dead-letter')).sort();
    expect(files).toEqual(['dead-letter.jsonl', 'dead-letter.jsonl.1']);
    for (const name of files) expect(statSync(path.join(dir, name)).size).toBeLessThanOrEqual(4096);
    const last = readFileSync(path.join(dir, 'dead-letter.jsonl'), 'utf8').trim().split('\n').at(-1)!;
    expect((JSON.parse(last) as { seq: number }).seq).toBe(20);
  });

  it('a refused message waiting for its retry does not block the messages behind it', async () => {
    const subscriber = await Subscriber.start(broker.url, 'edgepipe/dev/later/predictions', reader);
    // The retry is 10 minutes away: everything below happens while message 1 waits for it.
    const later = await sink('later', { deadLetter: { maxAttempts: 2, maxBytes: 1024 * 1024 }, reconnect: { initialMs: 600_000, maxMs: 3_600_000 } }, 100);
    later.write(prediction(0));
    await until(() => later.stats().refused === 1, 10_000, 'the first refusal');
    writeFileSync(path.join(broker.dir, 'acl'), acl(['topic write edgepipe/+/later/#']));
    broker.reload();
    await aclAllows('edgepipe/dev/later/probe');
    for (let i = 1; i <= 5; i++) later.write(prediction(i));
    expect(seqs(await subscriber.settle(5, 150, 10_000))).toEqual([2, 3, 4, 5, 6]);
    await until(() => later.stats().written === 5, 10_000, 'five acknowledgements');
    expect(later.stats()).toMatchObject({ written: 5, pending: 1, refused: 1, dropped: 0 });
    await subscriber.stop();
  });

  /** Polls with a QoS 1 publish as user edgepipe until Mosquitto has reloaded the ACL and accepts `topic`. */
  async function aclAllows(topic: string): Promise<void> {
    const client = connect(broker.url, { protocolVersion: 5, username: 'edgepipe', password, reconnectPeriod: 0 });
    try {
      await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
      for (let i = 0; i < 200; i++) {
        const error = await new Promise<Error | undefined>((resolve) => client.publish(topic, 'probe', { qos: 1 }, (e) => resolve(e)));
        if (!error) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`Mosquitto did not reload its ACL for ${topic}`);
    } finally {
      client.end(true);
    }
  }
});

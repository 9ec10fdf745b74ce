/** edgepipe watch as a user runs it (the built CLI, a child process) against a real Mosquitto on 127.0.0.1. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type MqttClient } from 'mqtt';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import type { StreamSnapshot, WatchSnapshot } from '../../src/watch/state.js';
import { runCli } from '../helpers/cli.js';
import { prediction } from '../sinks/helpers.js';
import { Mosquitto, mosquittoOrSkip } from '../sinks/mqtt-broker.js';
import { mqttConfig, removeOutboxDirs } from '../sinks/mqtt-fixtures.js';
import { CliChild } from '../watch/child.js';
import { edited, payload } from '../watch/payloads.js';

describe('edgepipe watch: flags', () => {
  it.each([
    [['--broker', 'http://127.0.0.1:1883'], 'Expected an mqtt:// or mqtts:// URL with a host and an optional port (e.g. mqtt://127.0.0.1:1883) for --broker but received "http://127.0.0.1:1883"'],
    [['--broker', 'mqtt://127.0.0.1:70000'], 'for --broker but received "mqtt://127.0.0.1:70000"'],
    [['--broker', 'mqtt://127.0.0.1:1883/edgepipe'], 'without a path or query for --broker'],
    [['--device', 'gate/3'], '--device "gate/3" contains +, # or /'],
    [['--pipeline', '+'], '--pipeline "+" contains +, # or /'],
    [['--once', '--count', '3'], '--once and --count exclude each other'],
    [['--count', '0'], 'Expected an integer between 1 and 1000000 for --count but received "0"'],
    [['--timeout', '5'], '--timeout needs --once or --count'],
    [['extra'], 'unexpected argument "extra"'],
  ])('%j exits 2 naming the flag', async (args, message) => {
    const result = await runCli(['watch', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});

const binary = mosquittoOrSkip();

describe.skipIf(binary === undefined)('edgepipe watch with Mosquitto', () => {
  let broker: Mosquitto;
  let publisher: MqttClient;
  const publish = (topic: string, text: string, retain = false): Promise<void> =>
    new Promise((resolve, reject) => publisher.publish(topic, text, { qos: 1, retain }, (error) => (error ? reject(error) : resolve())));

  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
    publisher = connect(broker.url, { protocolVersion: 5 });
    await new Promise((resolve) => publisher.once('connect', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => publisher?.end(true, {}, () => resolve()));
    await broker?.stop();
    await removeOutboxDirs();
  });

  /** Starts `edgepipe watch` on the broker and resolves once it has subscribed. */
  async function startWatch(args: string[]): Promise<CliChild> {
    const child = new CliChild(['watch', '--broker', broker.url, ...args]);
    await child.waitFor(/subscribed to /u, 'stderr');
    return child;
  }

  it('--count --json: the pipeline, its retained status, a seq gap and an invalid payload', async () => {
    await publish('edgepipe/cam/status', 'online', true);
    const watch = await startWatch(['--device', 'cam', '--count', '5', '--json', '--timeout', '60']);
    const bad = edited(payload(6), (v) => (v['schema'] = 'edgepipe.prediction/0'));
    for (const text of [payload(1), payload(2), payload(5), bad, payload(7)]) await publish('edgepipe/cam/door/predictions', text);
    expect(await watch.exited, watch.stderr).toBe(0);
    const snapshot = JSON.parse(watch.stdout.trim().split('\n').pop()!) as WatchSnapshot & { subscriptions: { predictions: string } };
    expect(snapshot.subscriptions.predictions).toBe('edgepipe/cam/+/predictions');
    expect(snapshot.streams).toHaveLength(1);
    expect(snapshot.streams[0]).toMatchObject<Partial<StreamSnapshot>>({
      device: 'cam',
      pipeline: 'door',
      status: 'online',
      messages: 5,
      last_seq: 7,
      drops: 2,
      gaps: [{ from: 3, to: 4 }],
      schema_errors: 1,
      last_schema_problem: '$.schema: expected "edgepipe.prediction/1", got "edgepipe.prediction/0"',
      latest: 'blue 0.99',
      latency_p50_ms: 14,
    });
  });

  it('--once --json: what the real mqtt sink publishes validates, with no drops and the device online', async () => {
    const sink = new MqttSink('yard', await mqttConfig(broker.url, { deviceId: 'pole-7' }), { warn: () => undefined });
    await sink.start();
    const watch = await startWatch(['--device', 'pole-7', '--once', '--json', '--timeout', '60']);
    for (let i = 0; i < 20; i++) sink.write(prediction(i, { pipeline: 'yard' }));
    expect(await sink.flush()).toBe(true);
    expect(await watch.exited, watch.stderr).toBe(0);
    const snapshot = JSON.parse(watch.stdout.trim()) as WatchSnapshot;
    expect(snapshot.streams).toHaveLength(1);
    const yard = snapshot.streams[0]!;
    expect(yard).toMatchObject({ device: 'pole-7', pipeline: 'yard', status: 'online', drops: 0, duplicates: 0, schema_errors: 0, latest: 'blue 0.99' });
    expect(yard.messages).toBeGreaterThan(0);
    expect(yard.last_seq).toBe(yard.messages);
    await sink.stop();
  });

  it('the table (not a terminal): a block with the stream row, then its notes', async () => {
    await publish('edgepipe/gate/status', 'offline', true);
    const watch = await startWatch(['--device', 'gate', '--count', '2']);
    await publish('edgepipe/gate/door/predictions', payload(1, 'gate'));
    await publish('edgepipe/gate/door/predictions', payload(3, 'gate'));
    expect(await watch.exited, watch.stderr).toBe(0);
    const lines = watch.stdout.split('\n');
    // fps depends on arrival times: only the columns around it are pinned.
    expect(lines.some((l) => /^DEVICE {2}PIPELINE {2}STATUS +FPS {2}P50 ms {2}LATEST +SEQ {2}DROPS {2}DUP {2}SCHEMA$/u.test(l))).toBe(true);
    expect(lines.some((l) => /^gate {4}door {6}offline +\S+ +14\.00  blue 0\.99 +3 +1 +0 +ok$/u.test(l))).toBe(true);
    expect(lines).toContain('gate/door: missing seq 2');
    expect(lines).toContain('gate/door: device gate is offline');
    expect(watch.stdout).not.toContain('\u001b[');
  });

  it('--once gives up after --timeout with exit 1 and says what it waited for', async () => {
    const result = await runCli(['watch', '--broker', broker.url, '--device', 'nobody', '--once', '--timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no prediction arrived within 1 s on edgepipe/nobody/+/predictions (broker connected)');
    expect(result.stdout).toContain('waiting for messages on edgepipe/nobody/+/predictions and edgepipe/nobody/status');
  });
});

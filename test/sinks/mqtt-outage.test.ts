/**
 * Nothing lost: the broker SIGKILL-ed mid-stream and restarted (persistence on), the publisher SIGKILL-ed while
 * the broker is down and restarted on the same outbox, and the outbox bound while the broker is down.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { SEQ_BLOCK } from '../../src/sinks/mqtt/outbox-writer.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from './mqtt-broker.js';
import { killChild, startChildSink } from './mqtt-child-run.js';
import { mqttConfig, payloadErrors, removeOutboxDirs, predictionsTopic, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subscriber whose MQTT 5 session outlives disconnects and broker restarts. */
const persistentSubscriber = (url: string, id: string) =>
  Subscriber.start(url, predictionsTopic, { clientId: `sub-${id}-${process.pid}`, clean: false, properties: { sessionExpiryInterval: 3600 } });

/** Every seq 1..n (or every one of `expected`) arrived (duplicates allowed); returns the number of duplicates. */
function expectAll(payloads: readonly string[], n: number, expected = Array.from({ length: n }, (_, i) => i + 1)): number {
  const unique = new Set(seqs(payloads));
  expect([...unique].sort((a, b) => a - b)).toEqual(expected);
  for (const payload of payloads.slice(0, 5)) expect(payloadErrors(payload)).toEqual([]);
  return payloads.length - unique.size;
}

describe.skipIf(binary === undefined)('mqtt sink under faults', () => {
  let broker: Mosquitto;
  let subscriber: Subscriber | undefined;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
  });
  afterEach(async () => {
    await subscriber?.stop();
    subscriber = undefined;
    if (!(await broker.running())) await broker.run();
  });
  afterAll(async () => {
    await broker?.stop();
    await removeOutboxDirs();
    removeTempDirs();
  });

  it('broker SIGKILL-ed for 2 s under a 100 msg/s stream and restarted: every message arrives', async () => {
    subscriber = await persistentSubscriber(broker.url, 'outage');
    await broker.saved(); // the subscriber's session is on disk before the broker is killed
    const sink = new MqttSink('door', await mqttConfig(broker.url), quiet);
    await sink.start();
    const n = 400;
    for (let i = 0; i < n; i++) {
      sink.write(prediction(i));
      if (i === 100) await broker.kill();
      if (i === 300) await broker.run();
      await pause(10);
    }
    expect(await sink.flush()).toBe(true);
    const duplicates = expectAll(await subscriber.settle(n, 300, 30_000).then(() => subscriber!.settle()), n);
    expect(sink.stats()).toMatchObject({ written: n, dropped: 0, pending: 0 });
    expect(sink.stats().errors).toBeGreaterThan(0); // the refused reconnects, counted
    console.info(`broker outage: ${n} messages, ${duplicates} duplicates, ${sink.stats().errors} connection errors`);
    await sink.stop();
  });

  it('publisher SIGKILL-ed while the broker is down: a new sink on the same outbox replays, seq continues past the reservation', async () => {
    subscriber = await persistentSubscriber(broker.url, 'restart');
    await broker.saved();
    const dir = tempDir('mqtt-outbox');
    const first = new MqttSink('door', await mqttConfig(broker.url, {}, dir), quiet);
    await first.start();
    for (let i = 0; i < 20; i++) first.write(prediction(i));
    expect(await first.flush()).toBe(true);
    await first.stop();
    await broker.kill();

    const { child, ready } = await startChildSink(broker.url, dir, 30);
    expect(ready).toContain('"pending":30');
    await killChild(child);
    expect((await readdir(dir)).some((name) => name.endsWith('.seg'))).toBe(true);

    await broker.run();
    const second = new MqttSink('door', await mqttConfig(broker.url, {}, dir), quiet);
    await second.start();
    expect(second.stats().pending).toBe(30);
    for (let i = 0; i < 10; i++) second.write(prediction(100 + i));
    expect(await second.flush()).toBe(true);
    // The killed run had reserved seqs up to 21 + SEQ_BLOCK: the new run starts there (a gap, never a reused seq).
    const expected = [...Array.from({ length: 50 }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => 21 + SEQ_BLOCK + i)];
    const duplicates = expectAll(await subscriber.settle(60, 300, 30_000).then(() => subscriber!.settle()), 60, expected);
    expect(second.stats()).toMatchObject({ written: 40, dropped: 0, pending: 0 });
    console.info(`publisher restart: 60 messages, ${duplicates} duplicates`);
    await second.stop();
  });

  it('outbox bound while the broker is down: the oldest are dropped and counted, the newest delivered', async () => {
    subscriber = await persistentSubscriber(broker.url, 'bound');
    await broker.saved();
    await broker.kill();
    const sink = new MqttSink('door', await mqttConfig(broker.url, { outbox: { maxBytes: 6000, maxAgeS: 3600 } }), quiet);
    await sink.start();
    for (let i = 0; i < 200; i++) sink.write(prediction(i));
    const held = sink.stats();
    expect(held.dropped + held.pending).toBe(200);
    expect(held.dropped).toBeGreaterThan(180);
    await broker.run();
    expect(await sink.flush()).toBe(true);
    const payloads = await subscriber.settle(held.pending, 300, 30_000);
    expect(seqs(payloads).at(-1)).toBe(200);
    expect(sink.stats()).toMatchObject({ written: held.pending, dropped: held.dropped, pending: 0 });
    await sink.stop();
  });
});

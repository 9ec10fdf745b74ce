/** The mqtt sink against a real Mosquitto: the sink contract, message order and schema, availability, outbox bound. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from './mqtt-broker.js';
import { mqttConfig, payloadErrors, removeOutboxDirs, predictionsTopic, seqs } from './mqtt-fixtures.js';
import { describeSinkContract } from './sink-contract.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };

describe.skipIf(binary === undefined)('mqtt sink with Mosquitto', () => {
  let broker: Mosquitto;
  const subscribers: Subscriber[] = [];
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.stop()));
    await broker?.stop();
    await removeOutboxDirs();
  });

  /** A sink on its own pipeline topic is not needed: each harness waits for its own subscriber to be quiet. */
  describeSinkContract('mqtt', {
    async make(options) {
      const subscriber = await Subscriber.start(broker.url, predictionsTopic);
      subscribers.push(subscriber);
      // queueLines bounds the outbox: each message is ~560 bytes, plus the in-flight window that is never dropped.
      const maxBytes = options?.queueLines === undefined ? 64 * 1024 * 1024 : Math.max(1024, options.queueLines * 600);
      const config = await mqttConfig(broker.url, { outbox: { maxBytes, maxAgeS: 3600 }, ...(options?.queueLines ? { inflight: 1 } : {}) });
      const sink = new MqttSink('door', config, quiet);
      return { sink, output: () => subscriber.settle() };
    },
  });

  it('messages arrive in order with seq 1..N and validate against schema/prediction.schema.json', async () => {
    const subscriber = await Subscriber.start(broker.url, predictionsTopic);
    subscribers.push(subscriber);
    const sink = new MqttSink('door', await mqttConfig(broker.url), quiet);
    await sink.start();
    for (let i = 0; i < 100; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(true);
    const payloads = await subscriber.settle(100);
    expect(seqs(payloads)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const payload of payloads) expect(payloadErrors(payload)).toEqual([]);
    expect(new Set(payloads.map((p) => (JSON.parse(p) as { id: string }).id)).size).toBe(100);
    await sink.stop();
  });

  it('availability: retained online while connected, offline after stop', async () => {
    const config = await mqttConfig(broker.url, { deviceId: 'avail' });
    const sink = new MqttSink('door', config, quiet);
    await sink.start();
    await sink.flush();
    const watch = async (): Promise<string[]> => {
      const subscriber = await Subscriber.start(broker.url, 'edgepipe/avail/status');
      const seen = await subscriber.settle(1, 50, 5000);
      await subscriber.stop();
      return seen;
    };
    for (let i = 0; i < 50 && (await watch()).at(-1) !== 'online'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await watch()).toEqual(['online']);
    await sink.stop();
    expect(await watch()).toEqual(['offline']);
  });

  it('a device id that is not one topic level is refused', async () => {
    const config = await mqttConfig(broker.url, { deviceId: undefined });
    expect(() => new MqttSink('door', config, { ...quiet, hostname: 'a/b' })).toThrow('sink door/mqtt: device id "a/b" contains +, # or /: set device_id');
  });
});

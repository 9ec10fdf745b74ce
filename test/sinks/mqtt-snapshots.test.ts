/** Annotated snapshots on events, published as binary JPEGs to a real Mosquitto; one in flight, the rest dropped and counted. */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/core/frame.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip } from './mqtt-broker.js';
import { Collector } from './mqtt-collector.js';
import { mqttConfig, removeOutboxDirs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };

describe.skipIf(binary === undefined)('mqtt sink snapshots with Mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
  });
  afterAll(async () => {
    await broker?.stop();
    await removeOutboxDirs();
  });

  it('an event publishes the annotated JPEG within max_bytes; one asked for while one is in flight is dropped and counted', async () => {
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 40, g: 120, b: 200 } } }).jpeg().toBuffer();
    const frame = { kind: 'encoded' as const, bytes: new Uint8Array(jpeg) };
    const detect = (id: number, labels: string[]): Prediction =>
      prediction(id, { frame, result: { kind: 'detect', objects: labels.map((label, index) => ({ index, label, score: 0.9, box: { x: 100, y: 80, width: 200, height: 150 } })) } });
    const topic = 'edgepipe/snap/yard/snapshot';
    const collector = await Collector.start(broker.url, [topic]);
    const config = await mqttConfig(broker.url, { deviceId: 'snap', snapshots: { enabled: true, maxBytes: 20_000, topic: 'edgepipe/{device}/{pipeline}/snapshot' } });
    const sink = new MqttSink('yard', config, quiet);
    expect(sink.wantsFrame).toBe(true);
    await sink.start();
    await collector.until(() => sink.connection?.state === 'online', 'the connection');
    sink.write(detect(0, ['car'])); // entered: a snapshot starts
    sink.write(detect(1, [])); // left: the first is still being drawn, so this one is dropped
    sink.write(detect(2, [])); // no change: no snapshot asked for
    await collector.until(() => collector.messages.length >= 1, 'a snapshot');
    await collector.until(() => sink.stats().snapshots?.published === 1, 'the count');
    expect(sink.stats().snapshots).toEqual({ published: 1, dropped: 1, failed: 0 });
    const [message] = collector.messages;
    expect(message!.payload.length).toBeLessThanOrEqual(20_000);
    expect([...message!.payload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const meta = await sharp(message!.payload).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeGreaterThan(0);
    await sink.stop();
    await collector.stop();
  });

  it('without snapshots the sink does not ask for frames', async () => {
    const sink = new MqttSink('plain', await mqttConfig(broker.url), quiet);
    expect(sink.wantsFrame).toBe(false);
  });
});

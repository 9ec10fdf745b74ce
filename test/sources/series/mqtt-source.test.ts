/**
 * The mqtt sensor source against a real Mosquitto on 127.0.0.1: exact windows from JSON messages, two topics
 * resampled into one series, bad payloads counted, and a broker killed and restarted under a running source.
 */
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { MqttSourceConfig, WindowConfig } from '../../../src/config/types.js';
import type { Frame, SeriesPayload } from '../../../src/core/frame.js';
import { createSource } from '../../../src/sources/index.js';
import { MqttSampleProducer } from '../../../src/sources/series/mqtt-source.js';
import { SeriesSource } from '../../../src/sources/series/series-source.js';
import { FreezableBroker } from '../../sinks/frozen-broker.js';
import { Mosquitto, mosquittoOrSkip } from '../../sinks/mqtt-broker.js';
import { record, runToEnd, until } from '../helpers.js';
import { describeSourceContract } from '../source-contract.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };

const window = (options: Partial<WindowConfig> = {}): WindowConfig => ({
  length: 3,
  normalize: 'none',
  layout: 'steps_channels',
  maxMissing: 0,
  ...options,
});

function mqttConfig(url: string, options: Partial<MqttSourceConfig> = {}): MqttSourceConfig {
  return {
    kind: 'mqtt',
    url,
    topics: ['sensors/#'],
    fields: [
      { name: 'ax', path: 'accel.x' },
      { name: 'ay', path: 'accel.y' },
    ],
    qos: 1,
    keepaliveS: 15,
    window: window(),
    ...options,
  };
}

/** Publishes each payload with QoS 1, in order, from a fresh client. */
async function publish(url: string, topic: string, payloads: Array<string | Buffer>): Promise<void> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  for (const payload of payloads) await client.publishAsync(topic, payload, { qos: 1 });
  await client.endAsync();
}

async function publishRetained(url: string, topic: string, payload: string): Promise<void> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  await client.publishAsync(topic, payload, { qos: 1, retain: true });
  await client.endAsync();
}

const steps = (frame: Frame): number[][] => {
  const payload = frame.payload as SeriesPayload;
  const channels = payload.channels.length;
  return Array.from({ length: payload.steps }, (_, s) => Array.from(payload.values.subarray(s * channels, (s + 1) * channels)));
};

describe.skipIf(binary === undefined)('mqtt source with Mosquitto', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  describeSourceContract('mqtt (retained value, 200 Hz, windows of 2)', {
    async running() {
      await publishRetained(broker.url, 'contract/level', '0.5');
      const config = mqttConfig(broker.url, {
        topics: ['contract/level'],
        fields: [{ name: 'level' }],
        rateHz: 200,
        window: window({ length: 2, maxMissing: 1 }),
      });
      return createSource('tank', config, quiet);
    },
    failing: () => createSource('tank', mqttConfig(broker.url, { topics: ['a/#/b'] }), quiet),
  });

  it('one sample per message: exact windows of 3 through createSource, paths into JSON', async () => {
    const source = createSource('vib', mqttConfig(broker.url, { clientId: 'exact' }), quiet) as SeriesSource;
    const state = record(source.frames());
    await until(() => source.health().state === 'running', 10_000, 'the subscription');
    const messages = [1, 2, 3, 4, 5, 6].map((i) => JSON.stringify({ accel: { x: i / 4, y: -i }, other: 'ignored' }));
    await publish(broker.url, 'sensors/m4/imu', messages);
    await until(() => state.frames.length === 2, 10_000, 'two windows');
    state.subscription.unsubscribe();
    expect(state.frames.map(steps)).toEqual([
      [[0.25, -1], [0.5, -2], [0.75, -3]],
      [[1, -4], [1.25, -5], [1.5, -6]],
    ]);
    expect(state.frames.map((f) => f.source)).toEqual(['vib/mqtt', 'vib/mqtt']);
    expect(source.health()).toMatchObject({ state: 'ended', restarts: 0, corruptFrames: 0, series: { samples: 6, filledValues: 0 } });
  });

  it('fields from two topics combined at rate_hz: each tick holds the latest value of every channel', async () => {
    const config = mqttConfig(broker.url, {
      clientId: 'two-topics',
      topics: ['sensors/imu', 'sensors/temp'],
      fields: [
        { name: 'ax', path: 'values.0', topic: 'sensors/imu' },
        { name: 'temp', topic: 'sensors/temp' },
      ],
      rateHz: 50,
      window: window({ length: 3, maxMissing: 1 }),
    });
    const source = new SeriesSource(new MqttSampleProducer('room', config, quiet), config.window);
    const state = record(source.frames());
    await until(() => source.health().state === 'running', 10_000, 'the subscription');
    await publish(broker.url, 'sensors/imu', ['{"values":[1.5,9]}']);
    await publish(broker.url, 'sensors/temp', ['20']);
    await until(() => state.frames.length >= 1, 10_000, 'a window');
    // Ticks before both channels had a value cannot be filled: the first window is all after both arrived.
    expect(steps(state.frames[0]!)).toEqual([[1.5, 20], [1.5, 20], [1.5, 20]]);
    await publish(broker.url, 'sensors/temp', ['"21.25"']);
    await publish(broker.url, 'sensors/imu', ['{"values":[-2]}']);
    const last = () => steps(state.frames.at(-1)!);
    await until(() => JSON.stringify(last()) === JSON.stringify([[-2, 21.25], [-2, 21.25], [-2, 21.25]]), 10_000, 'the new values');
    state.subscription.unsubscribe();
    const health = source.health();
    expect(health.series!.incompleteWindows).toBeGreaterThan(0);
    // Ticks without a message hold the channel's last value: counted as filled.
    expect(health.series!.filledValues).toBeGreaterThan(0);
  });

  it('from YAML: a field without path takes plain-number payloads', async () => {
    const yaml = [
      'version: 1',
      'pipelines:',
      '  - name: tank',
      '    source:',
      '      kind: mqtt',
      `      url: mqtt://edge:hunter2-secret@127.0.0.1:${broker.port}`,
      '      topics: [tank/+/level]',
      '      fields: [{ name: level }]',
      '      window: { length: 2, max_missing: 0 }',
      '    model: { file: model.tflite }',
      '    postprocess: { kind: scalar }',
      '    sinks: [{ kind: stdout }]',
    ].join('\n');
    const config = parseConfig('/tmp/tank.yaml', yaml).pipelines[0]!.source;
    const source = createSource('tank', config, quiet) as SeriesSource;
    const state = record(source.frames());
    await until(() => source.health().state === 'running', 10_000, 'the subscription');
    await publish(broker.url, 'tank/t1/level', ['0.75', ' -3e-1 ', 'full', '"2"', '4']);
    await until(() => state.frames.length === 2, 10_000, 'two windows');
    state.subscription.unsubscribe();
    // `full` is not JSON: counted and skipped. A JSON string holding a number is a number.
    expect(state.frames.map(steps)).toEqual([[[0.75], [Math.fround(-0.3)]], [[2], [4]]]);
    expect(source.health().corruptFrames).toBe(1);
  });

  it('malformed and oversized payloads are counted and skipped; the stream goes on', async () => {
    const producer = new MqttSampleProducer('vib', mqttConfig(broker.url, { clientId: 'bad-payloads' }), quiet);
    const source = new SeriesSource(producer, window({ length: 2 }));
    const state = record(source.frames());
    await until(() => source.health().state === 'running', 10_000, 'the subscription');
    const big = JSON.stringify({ accel: { x: 9, y: 9 }, pad: 'x'.repeat(300 * 1024) });
    await publish(broker.url, 'sensors/a', ['{"accel":{"x":1,"y":2}}', '{"accel":{"x":', big, Buffer.from([0xff, 0xfe]), '', '{"accel":{"x":3,"y":4}}']);
    await until(() => state.frames.length === 1, 10_000, 'a window');
    state.subscription.unsubscribe();
    expect(steps(state.frames[0]!)).toEqual([[1, 2], [3, 4]]);
    expect(producer.stats).toMatchObject({ messages: 6, malformed: 2, oversized: 1, empty: 1 });
    expect(source.health().corruptFrames).toBe(3);
  });

  it('reconnects after the broker is killed and restarted; windows continue', async () => {
    const warnings: string[] = [];
    const config = mqttConfig(broker.url, { clientId: 'survivor', username: 'edge', password: 'hunter2-secret' });
    const producer = new MqttSampleProducer('vib', config, { warn: (m) => warnings.push(m), reconnect: { initialMs: 50, maxMs: 400 } });
    const source = new SeriesSource(producer, window({ length: 2 }));
    const state = record(source.frames());
    await until(() => source.health().state === 'running', 10_000, 'the subscription');
    await publish(broker.url, 'sensors/a', ['{"accel":{"x":1,"y":1}}', '{"accel":{"x":2,"y":2}}']);
    await until(() => state.frames.length === 1, 10_000, 'a window');

    await broker.kill();
    await until(() => source.health().state === 'restarting', 10_000, 'the source to notice');
    await broker.run();
    await until(() => source.health().state === 'running', 20_000, 'the reconnection');
    await publish(broker.url, 'sensors/a', ['{"accel":{"x":3,"y":3}}', '{"accel":{"x":4,"y":4}}']);
    await until(() => state.frames.length === 2, 10_000, 'a window after the restart');
    state.subscription.unsubscribe();

    expect(state.error).toBeUndefined();
    expect(state.frames.map(steps)).toEqual([
      [[1, 1], [2, 2]],
      [[3, 3], [4, 4]],
    ]);
    const health = source.health();
    expect(health.restarts).toBe(1);
    expect(health.downtimeMs).toBeGreaterThan(0);
    expect(producer.stats.connectionLosses).toBe(1);
    expect(warnings.some((w) => w.includes('lost the connection'))).toBe(true);
    expect(warnings.join('\n')).not.toContain('hunter2-secret');
  });

  it('keepalive_s defaults to 15 as the sinks\' does; with 2, a frozen broker (half-open connection) is noticed within seconds', async () => {
    const yaml = (extra: string): string =>
      ['version: 1', 'pipelines:', '  - name: vib', '    source:', '      kind: mqtt', '      url: mqtt://127.0.0.1:1883', '      topics: [s/#]',
        '      fields: [{ name: x }]', `      window: { length: 2 }${extra}`, '    model: { file: m.tflite }', '    postprocess: { kind: scalar }', '    sinks: [{ kind: stdout }]'].join('\n');
    expect(parseConfig('/tmp/vib.yaml', yaml('')).pipelines[0]!.source).toMatchObject({ keepaliveS: 15 });
    expect(() => parseConfig('/tmp/vib.yaml', yaml('\n      keepalive_s: 0'))).toThrow('pipelines[0].source.keepalive_s: expected an integer between 1 and 3600, received 0');

    const frozen = await FreezableBroker.start(binary!);
    const producer = new MqttSampleProducer('vib', mqttConfig(frozen.url, { clientId: 'keepalive', keepaliveS: 2 }), { ...quiet, reconnect: { initialMs: 60_000, maxMs: 60_000 } });
    const source = new SeriesSource(producer, window({ length: 2 }));
    const state = record(source.frames());
    try {
      await until(() => source.health().state === 'running', 20_000, 'the subscription');
      frozen.freeze();
      const frozenAt = Date.now();
      // MQTT.js's default keepalive (60 s) takes ~90 s; 2 s x 1.5 = 3 s, with room for a loaded machine.
      await until(() => producer.stats.connectionLosses === 1, 20_000, 'the lost connection noticed');
      console.log(`mqtt source keepalive_s 2: frozen broker noticed after ${Date.now() - frozenAt} ms`);
      expect(source.health().state).toBe('restarting');
    } finally {
      state.subscription.unsubscribe();
      await frozen.stop();
    }
  }, 60_000);

  it('a field whose topic no subscription matches fails the source with a message naming it', async () => {
    const config = mqttConfig(broker.url, { topics: ['sensors/imu'], fields: [{ name: 'temp', topic: 'room/temp' }] });
    const { error } = await runToEnd(createSource('room', config, quiet).frames());
    expect(String(error)).toMatch(/source room\/mqtt: fields\[0\] \(temp\): topic "room\/temp" matches none of topics \(sensors\/imu\)/);
    expect((error as { code: string }).code).toBe('ERR_SOURCE_INVALID');
  });
});

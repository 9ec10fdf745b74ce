/**
 * The mqtt sink's modes and topic kinds against a real Mosquitto: change-only publishing (suppressed, counted,
 * seq without gaps), events, stats, the per-pipeline status and Home Assistant discovery, each message checked
 * against its shipped JSON Schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/core/frame.js';
import { PipelineStats } from '../../src/pipeline/stats.js';
import type { Result } from '../../src/core/result.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip } from './mqtt-broker.js';
import { Collector } from './mqtt-collector.js';
import { mqttConfig, removeOutboxDirs, schemaErrors, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };
const events = { enabled: true, topic: 'edgepipe/{device}/{pipeline}/events', qos: 1 as const, retain: false };
const box = { x: 1, y: 2, width: 3, height: 4 };
const detect = (id: number, ...labels: string[]): Prediction =>
  prediction(id, { result: { kind: 'detect', objects: labels.map((label, index) => ({ index, label, score: 0.75, box })) } });
const classify = (id: number, label: string, score = 0.9): Prediction =>
  prediction(id, { result: { kind: 'classify', classes: [{ index: label.length, label, score }] } satisfies Result });
const parse = (payloads: string[]): Array<Record<string, unknown>> => payloads.map((p) => JSON.parse(p) as Record<string, unknown>);

describe.skipIf(binary === undefined)('mqtt sink topics with Mosquitto', () => {
  let broker: Mosquitto;
  let watcher: Collector;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
    watcher = await Collector.start(broker.url, ['edgepipe/#', 'homeassistant/#']);
  });
  afterAll(async () => {
    await watcher?.stop();
    await broker?.stop();
    await removeOutboxDirs();
  });

  it('mode change: only changed predictions are published, seq has no gaps, the rest is counted as suppressed', async () => {
    const sink = new MqttSink('modes', await mqttConfig(broker.url, { deviceId: 'chg', mode: 'change', threshold: 0.5 }), quiet);
    await sink.start();
    const labels: Array<[string, number]> = [['cat', 0.9], ['cat', 0.8], ['cat', 0.9], ['dog', 0.9], ['dog', 0.3], ['dog', 0.35], ['cat', 0.9]];
    labels.forEach(([label, score], i) => sink.write(classify(i, label, score)));
    expect(await sink.flush()).toBe(true);
    const topic = 'edgepipe/chg/modes/predictions';
    await watcher.until(() => watcher.on(topic).length >= 4, 'four predictions');
    const payloads = watcher.on(topic);
    expect(seqs(payloads)).toEqual([1, 2, 3, 4]);
    expect(parse(payloads).map((p) => p['frame_id'])).toEqual([0, 3, 4, 6]);
    for (const payload of payloads) expect(schemaErrors('prediction', payload)).toEqual([]);
    expect(sink.stats()).toEqual({ written: 4, dropped: 0, errors: 0, pending: 0, suppressed: 3 });
    await sink.stop();
  });

  it('events: one message per change even in mode every, seq per events topic, valid against event.schema.json', async () => {
    const sink = new MqttSink('yard', await mqttConfig(broker.url, { deviceId: 'evt', events }), quiet);
    await sink.start();
    const frames = [detect(0), detect(1, 'car'), detect(2, 'car', 'person'), detect(3, 'person', 'person'), detect(4)];
    for (const frame of frames) sink.write(frame);
    expect(await sink.flush()).toBe(true);
    const topic = 'edgepipe/evt/yard/events';
    // The broker's PUBACK (flush) does not mean the subscriber has them yet: wait for both topics.
    await watcher.until(() => watcher.on(topic).length >= 4 && watcher.on('edgepipe/evt/yard/predictions').length >= 5, 'four events and five predictions');
    const received = watcher.on(topic);
    for (const payload of received) expect(schemaErrors('event', payload)).toEqual([]);
    expect(parse(received).map((e) => [e['seq'], e['type'], e['label'], e['frame_id']])).toEqual([
      [1, 'entered', 'car', 1],
      [2, 'entered', 'person', 2],
      [3, 'left', 'car', 3],
      [4, 'left', 'person', 4],
    ]);
    expect(seqs(watcher.on('edgepipe/evt/yard/predictions'))).toEqual([1, 2, 3, 4, 5]);
    expect(sink.stats()).toMatchObject({ written: 5, events: { written: 4, dropped: 0, pending: 0 } });
    await sink.stop();
  });

  it('events of a scalar anomaly and of classify score crossings validate too', async () => {
    const sink = new MqttSink('vib', await mqttConfig(broker.url, { deviceId: 'evt2', events }), quiet);
    await sink.start();
    for (const [i, anomaly] of [false, true, true, false].entries()) sink.write(prediction(i, { result: { kind: 'scalar', value: i * 1.5, anomaly } }));
    for (const [i, score] of [0.9, 0.2].entries()) sink.write(classify(10 + i, 'cat', score));
    expect(await sink.flush()).toBe(true);
    const topic = 'edgepipe/evt2/vib/events';
    await watcher.until(() => watcher.on(topic).length >= 4, 'four events');
    const received = watcher.on(topic);
    for (const payload of received) expect(schemaErrors('event', payload)).toEqual([]);
    expect(parse(received).map((e) => e['type'])).toEqual(['anomaly', 'normal', 'class_changed', 'score_below']);
    await sink.stop();
  });

  it('stats every stats.interval_s: the pipeline report, valid against stats.schema.json', async () => {
    const pipelineStats = new PipelineStats('door');
    let sink: MqttSink | undefined;
    const config = await mqttConfig(broker.url, { deviceId: 'sts', stats: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/stats', intervalS: 1, qos: 1, retain: true } });
    sink = new MqttSink('door', config, { ...quiet, stats: () => pipelineStats.report('running', 'xnnpack', 0, undefined, undefined, { 'door/mqtt': sink!.stats() }) });
    await sink.start();
    pipelineStats.framesIn = 3;
    pipelineStats.record({ queue: 0.1, preprocess: 1, wait: 0, infer: 5, postprocess: 0.2, total: 6.3 });
    sink.write(prediction(0));
    const topic = 'edgepipe/sts/door/stats';
    await watcher.until(() => watcher.on(topic).length >= 1, 'a stats message');
    const [payload] = watcher.on(topic);
    expect(schemaErrors('stats', payload!)).toEqual([]);
    expect(JSON.parse(payload!)).toMatchObject({ schema: 'edgepipe.stats/1', device: 'sts', pipeline: 'door', frames_in: 3, frames_out: 1, delegate: 'xnnpack' });
    await sink.stop();
  });

  it('stats.interval_s 1: each message covers its own interval (interval_s, fps), not the pipeline log window', async () => {
    const pipelineStats = new PipelineStats('lane');
    let sink: MqttSink | undefined;
    const config = await mqttConfig(broker.url, { deviceId: 'sti', stats: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/stats', intervalS: 1, qos: 1, retain: false } });
    // As the pipeline gives it (peek): totals since start, rates over its own log window (never advanced here).
    sink = new MqttSink('lane', config, { ...quiet, stats: () => pipelineStats.report('running', 'xnnpack', 0, undefined, undefined, { 'lane/mqtt': sink!.stats() }, false) });
    const feeder = setInterval(() => {
      pipelineStats.framesIn += 1;
    }, 20);
    try {
      await sink.start();
      const topic = 'edgepipe/sti/lane/stats';
      await watcher.until(() => watcher.on(topic).length >= 4, 'four stats messages', 30_000);
      const messages = parse(watcher.on(topic)) as Array<{ interval_s: number; time_ms: number; frames_in: number; fps_in: number }>;
      for (let i = 1; i < messages.length; i++) {
        const [previous, current] = [messages[i - 1]!, messages[i]!];
        const elapsedS = (current.time_ms - previous.time_ms) / 1000;
        // Its own interval: about the time since the previous message (not 2.x, 3.x, 4.x s since the pipeline's window).
        expect(Math.abs(current.interval_s - elapsedS), JSON.stringify(messages)).toBeLessThan(0.25);
        // fps from the frames of that interval.
        expect(Math.abs(current.fps_in * current.interval_s - (current.frames_in - previous.frames_in)), JSON.stringify(messages)).toBeLessThan(1);
      }
    } finally {
      clearInterval(feeder);
      await sink.stop();
    }
  });

  it('pipeline status: retained running with the delegate, then stopped, valid against status.schema.json', async () => {
    const sink = new MqttSink('gate', await mqttConfig(broker.url, { deviceId: 'st' }), quiet);
    await sink.start();
    sink.write(prediction(0, { delegate: 'edgetpu' }));
    expect(await sink.flush()).toBe(true);
    await sink.stop();
    const topic = 'edgepipe/st/gate/status';
    const late = await Collector.start(broker.url, [topic]);
    await late.until(() => late.messages.length >= 1, 'the retained status');
    expect(late.messages[0]!.retain).toBe(true);
    const statuses = [...watcher.on(topic), late.on(topic)[0]!];
    for (const payload of statuses) expect(schemaErrors('status', payload)).toEqual([]);
    // Without a pipeline (no stats callback) the delegate is known at the first prediction: no status before it.
    const seen = parse(statuses).map((s) => [s['state'], s['delegate']]);
    expect(seen).toEqual([
      ['running', 'edgetpu'],
      ['stopped', 'edgetpu'],
      ['stopped', 'edgetpu'],
    ]);
    await late.stop();
  });

  it('pipeline status: the source going down and up again is retained once per change, valid against status.schema.json', async () => {
    const sink = new MqttSink('porch', await mqttConfig(broker.url, { deviceId: 'src' }), quiet);
    const topic = 'edgepipe/src/porch/status';
    await sink.start();
    try {
      sink.write(prediction(0, { delegate: 'cpu' }));
      await watcher.until(() => watcher.on(topic).length >= 1, 'the running status');
      const downAt = Date.UTC(2026, 11, 7, 11, 0, 0);
      sink.notice({ kind: 'source', state: 'down', atMs: downAt, error: 'ffmpeg exited with code 1 after 0 frames from rtsp://127.0.0.1:9/x' });
      await watcher.until(() => watcher.on(topic).length >= 2, 'the down status');
      sink.notice({ kind: 'source', state: 'up', atMs: downAt + 60_000, lastFrameMs: downAt + 60_000 });
      await watcher.until(() => watcher.on(topic).length >= 3, 'the up status');
      const [, down, up] = watcher.on(topic);
      for (const payload of [down!, up!]) expect(schemaErrors('status', payload)).toEqual([]);
      expect(JSON.parse(down!).source).toEqual({ state: 'down', since: '2026-12-07T11:00:00.000Z', last_frame_time: null, error: 'ffmpeg exited with code 1 after 0 frames from rtsp://127.0.0.1:9/x' });
      expect(JSON.parse(up!).source).toEqual({ state: 'up', since: '2026-12-07T11:01:00.000Z', last_frame_time: '2026-12-07T11:01:00.000Z' });
    } finally {
      await sink.stop();
    }
    // The stopped status keeps the source's last change.
    expect(JSON.parse(watcher.on(topic).at(-1)!)).toMatchObject({ state: 'stopped', source: { state: 'up' } });
  });

  it('stats carry the source health and the last frame age, valid against stats.schema.json', async () => {
    const pipelineStats = new PipelineStats('cellar');
    let sink: MqttSink | undefined;
    const config = await mqttConfig(broker.url, { deviceId: 'age', stats: { enabled: true, topic: 'edgepipe/{device}/{pipeline}/stats', intervalS: 1, qos: 1, retain: false } });
    const source = { state: 'restarting' as const, restarts: 4, corruptFrames: 0, downtimeMs: 12_345 };
    sink = new MqttSink('cellar', config, { ...quiet, stats: () => ({ ...pipelineStats.report('running', 'cpu', 0, source, undefined, { 'cellar/mqtt': sink!.stats() }, false), lastFrameAgeMs: 15_000 }) });
    await sink.start();
    try {
      const topic = 'edgepipe/age/cellar/stats';
      await watcher.until(() => watcher.on(topic).length >= 1, 'a stats message');
      const [payload] = watcher.on(topic);
      expect(schemaErrors('stats', payload!)).toEqual([]);
      expect(JSON.parse(payload!)).toMatchObject({ source: { state: 'restarting', restarts: 4, corrupt_frames: 0, downtime_ms: 12_345 }, last_frame_age_ms: 15_000 });
    } finally {
      await sink.stop();
    }
  });

  it('pipeline status: the first retained status a subscriber sees carries the delegate, before any prediction', async () => {
    const pipelineStats = new PipelineStats('yard');
    const sink = new MqttSink('yard', await mqttConfig(broker.url, { deviceId: 'dlg' }), { ...quiet, stats: () => pipelineStats.report('running', 'xnnpack', 0, undefined, undefined, undefined, false) });
    const topic = 'edgepipe/dlg/yard/status';
    try {
      await sink.start();
      await watcher.until(() => watcher.on(topic).length >= 1, 'the status');
      const late = await Collector.start(broker.url, [topic]);
      await late.until(() => late.messages.length >= 1, 'the retained status');
      await late.stop();
      for (const payload of [watcher.on(topic)[0]!, late.on(topic)[0]!]) {
        expect(schemaErrors('status', payload)).toEqual([]);
        expect(JSON.parse(payload)).toMatchObject({ state: 'running', delegate: 'xnnpack' });
      }
    } finally {
      await sink.stop();
    }
  });

  it('home assistant discovery: retained configs for each entity with state, availability and device', async () => {
    const config = await mqttConfig(broker.url, { deviceId: 'ha-cam', homeAssistant: { enabled: true, prefix: 'homeassistant' } });
    const sink = new MqttSink('drive way', config, quiet);
    await sink.start();
    sink.write(detect(0, 'car'));
    expect(await sink.flush()).toBe(true);
    await sink.stop();
    const late = await Collector.start(broker.url, ['homeassistant/#']);
    await late.until(() => late.messages.length >= 3, 'three retained discovery configs');
    expect(late.messages.every((m) => m.retain)).toBe(true);
    const configs = Object.fromEntries(late.messages.map((m) => [m.topic, JSON.parse(m.payload.toString('utf8')) as Record<string, unknown>]));
    expect(Object.keys(configs).sort()).toEqual([
      'homeassistant/binary_sensor/ha-cam_drive_way/presence/config',
      'homeassistant/sensor/ha-cam_drive_way/latency/config',
      'homeassistant/sensor/ha-cam_drive_way/objects/config',
    ]);
    const device = { identifiers: ['edgepipe_ha-cam'], name: 'edgepipe ha-cam', manufacturer: 'edgepipe' };
    expect(configs['homeassistant/sensor/ha-cam_drive_way/objects/config']).toMatchObject({
      name: 'drive way objects',
      unique_id: 'edgepipe_ha-cam_drive_way_objects',
      state_topic: 'edgepipe/ha-cam/drive way/predictions',
      value_template: '{{ value_json.result.objects | length }}',
      availability_topic: 'edgepipe/ha-cam/status',
      payload_available: 'online',
      payload_not_available: 'offline',
      device,
    });
    expect(configs['homeassistant/binary_sensor/ha-cam_drive_way/presence/config']).toMatchObject({
      unique_id: 'edgepipe_ha-cam_drive_way_presence',
      value_template: "{{ 'ON' if value_json.result.objects | length > 0 else 'OFF' }}",
      payload_on: 'ON',
      payload_off: 'OFF',
      device_class: 'occupancy',
      device,
    });
    await late.stop();
  });
});

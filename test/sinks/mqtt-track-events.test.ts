/**
 * Track events and zone counts through the mqtt sink against a real Mosquitto: events from the zone engine on
 * the events topic (through the events outbox, one seq with the change events), each valid against
 * schema/track-event.schema.json; events raised while the broker is down arrive after it is back; the retained
 * counts topics valid against schema/counts.schema.json, sent only when they change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackEvent } from '../../src/core/events.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { ZoneEngine } from '../../src/zones/zone-engine.js';
import { everyType } from '../events/fixtures.js';
import { FRAME, T0, standingAt, walk } from '../zones/scene.js';
import { prediction } from './helpers.js';
import { Mosquitto, Subscriber, mosquittoOrSkip } from './mqtt-broker.js';
import { Collector } from './mqtt-collector.js';
import { mqttConfig, removeOutboxDirs, schemaErrors, seqs } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const quiet = { warn: () => undefined };
const events = { enabled: true, topic: 'edgepipe/{device}/{pipeline}/events', qos: 1 as const, retain: false };
const parse = (payloads: string[]): Array<Record<string, unknown>> => payloads.map((p) => JSON.parse(p) as Record<string, unknown>);

/** A person walking down through a zone (y 200..400) and across a line at y 420, with the counts after each frame. */
function scene(sink: MqttSink): TrackEvent[] {
  const engine = new ZoneEngine({
    pipeline: 'porch',
    zones: [{ name: 'steps', points: [[100, 200], [500, 200], [500, 400], [100, 400]], classes: ['person'], minTimeS: 0.2 }],
    lines: [{ name: 'gate', points: [[0, 420], [640, 420]] }],
  });
  const out: TrackEvent[] = [];
  walk([[300, 100], [300, 470]], 15).forEach(([x, y], frame) => {
    const raised = engine.update([standingAt(1, x, y)], { atMs: T0 + frame * 100, frame: FRAME, frameId: frame });
    for (const event of raised) sink.event(event);
    sink.zoneCounts(engine.snapshot());
    out.push(...raised);
  });
  return out;
}

describe.skipIf(binary === undefined)('mqtt sink: track events and counts with Mosquitto', () => {
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

  it('zone engine events arrive on the events topic in order, valid, sharing seq with the change events', async () => {
    const sink = new MqttSink('porch', await mqttConfig(broker.url, { deviceId: 'trk', events }), quiet);
    await sink.start();
    // A change event first (a person entered the detections), then the zone engine's, then every type.
    sink.write(prediction(0, { result: { kind: 'detect', objects: [{ index: 0, label: 'person', score: 0.9, box: { x: 1, y: 2, width: 3, height: 4 } }] } }));
    const raised = scene(sink);
    for (const event of everyType) sink.event(event);
    expect(raised.map((e) => e.type)).toEqual(['zone_enter', 'zone_leave', 'line_cross']);
    expect(await sink.flush()).toBe(true);
    const topic = 'edgepipe/trk/porch/events';
    const total = 1 + raised.length + everyType.length;
    await watcher.until(() => watcher.on(topic).length >= total, `${total} events`);
    const received = watcher.on(topic);
    expect(seqs(received)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const [change, ...tracks] = received;
    expect(schemaErrors('event', change!)).toEqual([]);
    for (const payload of tracks) expect(schemaErrors('track-event', payload)).toEqual([]);
    expect(parse(tracks).map((e) => [e['type'], e['zone'] ?? e['line'] ?? null, e['track_id']]).slice(0, 3)).toEqual([
      ['zone_enter', 'steps', 1],
      ['zone_leave', 'steps', 1],
      ['line_cross', 'gate', 1],
    ]);
    expect(parse(tracks)[2]).toMatchObject({ schema: 'edgepipe.track_event/1', device: 'trk', pipeline: 'porch', direction: 'in', label: 'person' });
    expect(sink.stats()).toMatchObject({ events: { written: total, dropped: 0, pending: 0 } });
    await sink.stop();
    // After stop: refused and counted, never published.
    sink.event(everyType[0]!);
    expect(sink.stats().events).toMatchObject({ dropped: 1 });
  });

  it('events raised while the broker is down are kept in the outbox and arrive once it is back', async () => {
    const subscriber = await Subscriber.start(broker.url, 'edgepipe/out/porch/events', { clientId: `sub-trk-${process.pid}`, clean: false, properties: { sessionExpiryInterval: 3600 } });
    await broker.saved();
    const sink = new MqttSink('porch', await mqttConfig(broker.url, { deviceId: 'out', events }), quiet);
    try {
      await sink.start();
      await broker.kill();
      for (const event of everyType) sink.event(event);
      expect(sink.stats().events).toMatchObject({ pending: everyType.length, dropped: 0 });
      await broker.run();
      expect(await sink.flush()).toBe(true);
      const received = await subscriber.settle(everyType.length, 300, 30_000);
      expect([...new Set(seqs(received))].sort((a, b) => a - b)).toEqual(everyType.map((_, i) => i + 1));
      for (const payload of received) expect(schemaErrors('track-event', payload)).toEqual([]);
    } finally {
      await sink.stop();
      await subscriber.stop();
    }
  });

  it('counts: one retained topic per zone and line, valid, sent only when a count changes; a late subscriber gets the state', async () => {
    const sink = new MqttSink('porch', await mqttConfig(broker.url, { deviceId: 'cnt', events }), quiet);
    await sink.start();
    // Counts are state: while offline only the latest is kept (sent at connect); online, each change goes out.
    await watcher.until(() => sink.connection?.state === 'online', 'the sink online');
    scene(sink);
    expect(await sink.flush()).toBe(true);
    const zoneTopic = 'edgepipe/cnt/porch/counts/steps';
    const lineTopic = 'edgepipe/cnt/porch/counts/gate';
    // steps: the initial 0 (person listed), 1 inside, 0 after the leave; gate: {} at first, then 1 in.
    await watcher.until(() => watcher.on(zoneTopic).length >= 3 && watcher.on(lineTopic).length >= 2, 'the counts');
    const zone = parse(watcher.on(zoneTopic));
    expect(zone.map((m) => [m['occupied'], m['labels']])).toEqual([
      [false, { person: { count: 0, entries: 0 } }],
      [true, { person: { count: 1, entries: 1 } }],
      [false, { person: { count: 0, entries: 1 } }],
    ]);
    expect(parse(watcher.on(lineTopic)).map((m) => m['labels'])).toEqual([{}, { person: { in: 1, out: 0 } }]);
    for (const payload of [...watcher.on(zoneTopic), ...watcher.on(lineTopic)]) expect(schemaErrors('counts', payload)).toEqual([]);
    const late = await Collector.start(broker.url, ['edgepipe/cnt/porch/counts/+']);
    try {
      await late.until(() => late.messages.length >= 2, 'the retained counts');
      expect(late.messages.every((m) => m.retain)).toBe(true);
      expect(parse(late.on(zoneTopic))).toMatchObject([{ kind: 'zone', name: 'steps', occupied: false, labels: { person: { count: 0, entries: 1 } } }]);
    } finally {
      await late.stop();
    }
    await sink.stop();
  });

  it('home assistant: an occupancy sensor per zone, a count sensor per zone and label, in/out sensors per line and label', async () => {
    const config = await mqttConfig(broker.url, { deviceId: 'ha', events, homeAssistant: { enabled: true, prefix: 'homeassistant' } });
    const sink = new MqttSink('porch', config, quiet);
    await sink.start();
    await watcher.until(() => sink.connection?.state === 'online', 'the sink online');
    scene(sink);
    const prefix = 'homeassistant/';
    const ours = (t: string) => t.startsWith(prefix) && t.includes('/ha_porch/');
    await watcher.until(() => new Set(watcher.messages.filter((m) => ours(m.topic)).map((m) => m.topic)).size >= 4, 'four discovery configs');
    const configs = new Map(watcher.messages.filter((m) => ours(m.topic)).map((m) => [m.topic, JSON.parse(m.payload.toString()) as Record<string, unknown>]));
    expect([...configs.keys()].sort()).toEqual([
      'homeassistant/binary_sensor/ha_porch/steps_occupied/config',
      'homeassistant/sensor/ha_porch/gate_person_in/config',
      'homeassistant/sensor/ha_porch/gate_person_out/config',
      'homeassistant/sensor/ha_porch/steps_person_count/config',
    ]);
    expect(configs.get('homeassistant/binary_sensor/ha_porch/steps_occupied/config')).toMatchObject({
      state_topic: 'edgepipe/ha/porch/counts/steps',
      device_class: 'occupancy',
      availability_topic: 'edgepipe/ha/status',
      unique_id: 'edgepipe_ha_porch_steps_occupied',
    });
    expect(configs.get('homeassistant/sensor/ha_porch/gate_person_in/config')).toMatchObject({
      state_topic: 'edgepipe/ha/porch/counts/gate',
      value_template: '{{ value_json.labels["person"].in if "person" in value_json.labels else 0 }}',
      state_class: 'total_increasing',
    });
    // Retained: a subscriber that comes later (Home Assistant restarting) gets all of them.
    const late = await Collector.start(broker.url, ['homeassistant/+/ha_porch/#']);
    try {
      await late.until(() => late.messages.length >= 4, 'the retained discovery configs');
      expect(late.messages.every((m) => m.retain)).toBe(true);
    } finally {
      await late.stop();
    }
    await sink.stop();
  });
});

/**
 * Every track event type, as the sinks serialise it, validates against the shipped schema/track-event.schema.json;
 * and the schema refuses what a consumer must not receive (a zone event without its zone, an unknown type).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonSchemaErrors, type Json, type JsonSchema } from '../../src/config/json-schema-check.js';
import { trackEventLine, trackEventRecord } from '../../src/events/record.js';
import type { TrackEvent } from '../../src/core/events.js';
import { everyType, t } from './fixtures.js';
import { trackEventPayload } from '../../src/sinks/mqtt/messages.js';
import { ZoneEngine } from '../../src/zones/zone-engine.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/track-event.schema.json', import.meta.url), 'utf8')) as JsonSchema;
const errors = (text: string): string[] => jsonSchemaErrors(schema, JSON.parse(text) as Json);


describe('track event schema', () => {
  it('every event type, published on MQTT, validates', () => {
    everyType.forEach((event, i) => expect(errors(trackEventPayload(event, i + 1, 'gate-3')), event.type).toEqual([]));
  });

  it('the record: fixed key order, snake_case, rounded; the file line is the MQTT payload without id, seq and device', () => {
    expect(trackEventLine(everyType[5]!)).toBe(
      '{"schema":"edgepipe.track_event/1","type":"line_cross","time":"2025-01-02T03:04:05.678Z","time_ms":1735787045678,"pipeline":"door","frame_id":41,' +
        '"track_id":4,"label":"person","score":0.812346,"first_seen_ms":1735787040678,"box":{"x":10.12,"y":20,"width":30,"height":80},"line":"gate","direction":"in"}\n',
    );
    const payload = JSON.parse(trackEventPayload(everyType[3]!, 7, 'gate-3')) as Record<string, unknown>;
    const { id, seq, device, ...rest } = payload;
    expect([typeof id, seq, device]).toEqual(['string', 7, 'gate-3']);
    expect(rest).toEqual(trackEventRecord(everyType[3]!));
    expect(Object.keys(payload).slice(0, 5)).toEqual(['schema', 'id', 'seq', 'device', 'type']);
  });

  it('events straight from the zone engine validate', () => {
    const engine = new ZoneEngine({
      pipeline: 'door',
      zones: [{ name: 'porch', points: [[0, 0], [100, 0], [100, 100], [0, 100]], loiterS: 0.2 }],
      lines: [{ name: 'gate', points: [[0, 150], [300, 150]] }],
    });
    const person = (y: number) => [{ id: 1, label: 'person', score: 0.9, box: { x: 30, y: y - 50, width: 40, height: 50 } }];
    const events = [50, 60, 70, 80, 200].flatMap((y, i) => engine.update(person(y), { atMs: t + i * 100, frame: { width: 320, height: 240 }, frameId: i }));
    expect(events.map((e) => e.type)).toEqual(['zone_enter', 'loitering', 'zone_leave', 'line_cross']);
    events.forEach((event, i) => expect(errors(trackEventPayload(event, i + 1, 'gate-3'))).toEqual([]));
  });

  it('refuses a zone event without its zone, an unknown type and a line crossing with another direction', () => {
    const payload = (change: (p: Record<string, unknown>) => void, event: TrackEvent): string => {
      const p = JSON.parse(trackEventPayload(event, 1, 'gate-3')) as Record<string, unknown>;
      change(p);
      return JSON.stringify(p);
    };
    expect(errors(payload((p) => delete p['zone'], everyType[2]!)).length).toBeGreaterThan(0);
    expect(errors(payload((p) => (p['type'] = 'teleported'), everyType[0]!)).length).toBeGreaterThan(0);
    expect(errors(payload((p) => (p['direction'] = 'sideways'), everyType[5]!)).length).toBeGreaterThan(0);
    expect(errors(payload((p) => (p['extra'] = 1), everyType[0]!))).toEqual(['$.extra: not allowed']);
  });
});

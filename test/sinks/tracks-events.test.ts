/**
 * What the tracking stage adds, as the sinks write it: `tracks` in the prediction payload (valid against
 * schema/prediction.schema.json, rounded like the rest, absent without tracking) and stage events as JSON lines
 * in the file sink among the predictions.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src/config/json-schema-check.js';
import type { TrackEvent } from '../../src/core/events.js';
import { FileSink } from '../../src/sinks/file-sink.js';
import { predictionPayload } from '../../src/sinks/mqtt/envelope.js';
import type { PredictionTrack } from '../../src/tracking/index.js';
import { predictionSchemaCheck } from '../../src/watch/schema-check.js';
import { prediction } from './helpers.js';

const check = predictionSchemaCheck();
const track: PredictionTrack = {
  track_id: 3,
  index: 2,
  label: 'car',
  score: 0.7123456789,
  best_score: 0.9,
  box: { x: 10.123, y: 20, width: 30.456, height: 40 },
  matched: true,
  first_seen_ms: 1765100000000.4,
  last_seen_ms: 1765100001200,
  velocity: { x: -35.2345, y: 0 },
  stationary: true,
  stationary_since_ms: 1765100000500,
};
const event: TrackEvent = { type: 'track_start', pipeline: 'door', trackId: 3, label: 'car', score: 0.8, atMs: 1765100000000, firstSeenMs: 1765100000000, frameId: 7 };

describe('tracks and events in the sinks', () => {
  it('the MQTT payload carries tracks, rounded, valid against the prediction schema; none without tracking', () => {
    const payload = JSON.parse(predictionPayload(prediction(1, { analytics: { tracks: [track] } }), 1, 'gate-3')) as Record<string, unknown>;
    expect(check(payload as Json)).toEqual([]);
    expect(payload['tracks']).toEqual([
      { ...track, score: 0.712346, box: { x: 10.12, y: 20, width: 30.46, height: 40 }, first_seen_ms: 1765100000000, velocity: { x: -35.23, y: 0 } },
    ]);
    const plain = JSON.parse(predictionPayload(prediction(2), 2, 'gate-3')) as Record<string, unknown>;
    expect('tracks' in plain).toBe(false);
    // The schema is closed: a track with a field it does not know is refused.
    expect(check({ ...payload, tracks: [{ ...track, zone: 'x' }] } as unknown as Json)).not.toEqual([]);
  });

  it('the file sink writes events among the predictions, in order', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'edgepipe-events-')), 'out.jsonl');
    const sink = new FileSink('door', { kind: 'file', path: file, maxBytes: 1_000_000, keep: 1 });
    await sink.start();
    sink.write(prediction(1));
    sink.event(event);
    sink.write(prediction(2));
    await sink.stop();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['type'] ?? l['frame_id'])).toEqual([1, 'track_start', 2]);
    expect(sink.stats().written).toBe(3);
  });
});

/**
 * Track events with their best pictures through the live view's HTTP API, without a browser: a `track_end` handed
 * to the live view's sink (as the tracking stage emits it, with the JPEG in `snapshot.jpeg`) comes out on
 * /api/events as the edgepipe.track_event/1 record plus `snapshot_url`; the URL serves the very JPEG, under the
 * same auth as the other snapshot URLs; the last events are replayed to a new stream; the store is bounded and
 * counts what it evicts (/metrics).
 */
import { randomFillSync } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackStartEvent } from '../../src/core/events.js';
import { MAX_RECENT_EVENTS } from '../../src/live/recent-events.js';
import { EVENT_SNAPSHOT_LIMITS } from '../../src/live/snapshot-store.js';
import { request, startLive, until, type LiveSetup } from './live-harness.js';
import { SseReader } from './sse-reader.js';
import { trackEnd, twoColourJpeg } from './track-events.js';

const TOKEN = 'event-snapshot-token-0123456789';
let open: LiveSetup;
let guarded: LiveSetup;
const readers: SseReader[] = [];

beforeAll(async () => {
  [open, guarded] = await Promise.all([startLive({ noSensor: true }), startLive({ noSensor: true, token: TOKEN })]);
}, 90_000);

afterAll(async () => {
  for (const reader of readers) reader.close();
  await Promise.all([open?.stop(), guarded?.stop()]);
});

function sse(setup: LiveSetup, headers: Record<string, string> = {}): SseReader {
  const reader = new SseReader(setup.port, headers);
  readers.push(reader);
  return reader;
}

const urlPattern = /^\/api\/snapshots\/[0-9a-f]{32}\.jpg$/;

describe('track events with snapshots over /api/events', () => {
  it('sends a track_end as its record with snapshot_url, whose URL serves the same JPEG; a start event has none', async () => {
    const jpeg = await twoColourJpeg();
    const reader = sse(open);
    await until(() => reader.messages.some((m) => m.event === 'state'), 30_000, 'the first state');
    const start: TrackStartEvent = { type: 'track_start', pipeline: 'cam', trackId: 7, label: 'person', score: 0.8, atMs: Date.now(), firstSeenMs: Date.now() };
    const sink = open.live.sinkFor('cam');
    sink.event!(start);
    sink.event!(trackEnd(7, new Uint8Array(jpeg)));
    const [first, end] = await until(() => (reader.tracks().length >= 2 ? reader.tracks() : undefined), 30_000, 'two track events');
    expect(first!.data).toMatchObject({ schema: 'edgepipe.track_event/1', type: 'track_start', track_id: 7 });
    expect(first!.data['snapshot_url']).toBeUndefined();
    expect(end!.data).toMatchObject({ schema: 'edgepipe.track_event/1', type: 'track_end', pipeline: 'cam', track_id: 7, label: 'person', best_score: 0.93 });
    // The picture's bytes never travel in the JSON: its frame, time and score do, and the URL.
    expect(Object.keys(end!.data['snapshot'] as object).sort()).toEqual(['frame_id', 'score', 'time_ms']);
    expect(end!.data['snapshot_url']).toMatch(urlPattern);
    expect(end!.id).toMatch(/^[0-9a-f]{8}-\d+$/);
    expect(end!.id).not.toBe(first!.id);

    const answer = await request(open.port, 'GET', String(end!.data['snapshot_url']));
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('image/jpeg');
    expect(answer.body.equals(jpeg)).toBe(true);
    expect(await sharp(answer.body).metadata()).toMatchObject({ format: 'jpeg', width: 160, height: 120 });
    const head = await request(open.port, 'HEAD', String(end!.data['snapshot_url']));
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(jpeg.length), 0]);

    // A stream opened later gets the recent events (same ids, same URL) after the state.
    const later = sse(open);
    const replayed = await until(() => later.tracks().find((m) => m.id === end!.id), 30_000, 'the replayed track_end');
    expect(later.messages[0]!.event).toBe('state');
    expect(replayed.data['snapshot_url']).toBe(end!.data['snapshot_url']);
  }, 60_000);

  it(`keeps at most ${EVENT_SNAPSHOT_LIMITS.maxCount} pictures: older URLs answer 404, the evictions are counted`, async () => {
    const jpeg = await twoColourJpeg(32, 24);
    const before = await metric(open, 'edgepipe_live_snapshots_evicted_total{kind="event"}');
    const held = await metric(open, 'edgepipe_live_snapshots{kind="event"}');
    const reader = sse(open);
    await until(() => reader.messages.some((m) => m.event === 'state'), 30_000, 'the first state');
    const seen = reader.tracks().length;
    const total = EVENT_SNAPSHOT_LIMITS.maxCount + 6;
    const sink = open.live.sinkFor('cam');
    for (let i = 0; i < total; i++) sink.event!(trackEnd(1000 + i, new Uint8Array(jpeg)));
    const sent = await until(() => (reader.tracks().length >= seen + total ? reader.tracks().slice(seen) : undefined), 30_000, `${total} track events`);
    const urls = sent.map((m) => String(m.data['snapshot_url']));
    expect(urls.every((u) => urlPattern.test(u))).toBe(true);
    const statuses = [];
    for (const url of urls) statuses.push((await request(open.port, 'GET', url)).status);
    expect(statuses.slice(0, 6)).toEqual([404, 404, 404, 404, 404, 404]);
    expect(statuses.slice(6).every((s) => s === 200)).toBe(true);
    // The pictures held before (the first test's) go first, then the 6 oldest of these.
    expect(await metric(open, 'edgepipe_live_snapshots_evicted_total{kind="event"}')).toBe(before + held + 6);
    expect(await metric(open, 'edgepipe_live_snapshots{kind="event"}')).toBe(EVENT_SNAPSHOT_LIMITS.maxCount);

    const later = sse(open);
    const replay = await until(() => (later.tracks().length >= MAX_RECENT_EVENTS ? later.tracks() : undefined), 30_000, 'the replay');
    expect(replay).toHaveLength(MAX_RECENT_EVENTS);
    expect(replay.map((m) => m.data['track_id'])).toEqual(sent.slice(-MAX_RECENT_EVENTS).map((m) => m.data['track_id']));
    expect(replay.every((m) => urlPattern.test(String(m.data['snapshot_url'])))).toBe(true);
  }, 90_000);

  it(`keeps at most ${EVENT_SNAPSHOT_LIMITS.maxBytes} bytes of pictures: a replayed event whose picture is gone has no snapshot_url; a picture over ${EVENT_SNAPSHOT_LIMITS.maxPictureBytes} bytes is refused, counted`, async () => {
    const big = await noiseJpeg(240, 180); // about 150 KB: fewer fit in the bytes than the count allows
    const fit = Math.floor(EVENT_SNAPSHOT_LIMITS.maxBytes / big.length);
    expect(fit).toBeLessThan(MAX_RECENT_EVENTS);
    const sink = open.live.sinkFor('cam');
    for (let i = 0; i < MAX_RECENT_EVENTS; i++) sink.event!(trackEnd(2000 + i, new Uint8Array(big)));
    expect(await metric(open, 'edgepipe_live_snapshot_bytes{kind="event"}')).toBe(fit * big.length);
    const reader = sse(open);
    const replay = await until(() => (reader.tracks().length >= MAX_RECENT_EVENTS ? reader.tracks() : undefined), 30_000, 'the replay');
    const withUrl = replay.map((m) => typeof m.data['snapshot_url'] === 'string');
    expect(withUrl).toEqual([...Array<boolean>(MAX_RECENT_EVENTS - fit).fill(false), ...Array<boolean>(fit).fill(true)]);
    for (const m of replay.slice(-fit)) expect((await request(open.port, 'GET', String(m.data['snapshot_url']))).status).toBe(200);

    const refusedBefore = await metric(open, 'edgepipe_live_snapshots_refused_total{kind="event"}');
    const huge = await noiseJpeg(800, 600);
    expect(huge.length).toBeGreaterThan(EVENT_SNAPSHOT_LIMITS.maxPictureBytes);
    sink.event!(trackEnd(3000, new Uint8Array(huge)));
    const end = await until(() => reader.tracks().find((m) => m.data['track_id'] === 3000), 30_000, 'the track_end with the huge picture');
    expect(end.data['snapshot_url']).toBeUndefined();
    expect(end.data['snapshot']).toMatchObject({ frame_id: 42 });
    expect(await metric(open, 'edgepipe_live_snapshots_refused_total{kind="event"}')).toBe(refusedBefore + 1);
  }, 90_000);

  it('serves the pictures with the same auth as the other snapshot URLs: 401 without the token, 200 with it', async () => {
    const jpeg = await twoColourJpeg();
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await request(guarded.port, 'GET', '/api/events')).status).toBe(401);
    const reader = sse(guarded, auth);
    await until(() => reader.messages.some((m) => m.event === 'state'), 30_000, 'the first state');
    guarded.live.sinkFor('cam').event!(trackEnd(3, new Uint8Array(jpeg)));
    const end = await until(() => reader.tracks().find((m) => m.data['track_id'] === 3), 30_000, 'the track_end');
    const url = String(end.data['snapshot_url']);
    expect(url).toMatch(urlPattern);
    const refused = await request(guarded.port, 'GET', url);
    expect([refused.status, refused.json()]).toEqual([401, { error: 'authentication required' }]);
    const wrong = await request(guarded.port, 'GET', url, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    expect(wrong.status).toBe(401);
    const served = await request(guarded.port, 'GET', url, { headers: auth });
    expect([served.status, served.body.equals(jpeg)]).toEqual([200, true]);
  }, 60_000);
});

/** Random pixels at quality 100: a JPEG that hardly compresses. */
async function noiseJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  randomFillSync(raw);
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 100 }).toBuffer();
}

async function metric(setup: LiveSetup, sample: string): Promise<number> {
  const text = (await request(setup.port, 'GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (!line) throw new Error(`no ${sample} in /metrics`);
  return Number(line.slice(sample.length + 1));
}

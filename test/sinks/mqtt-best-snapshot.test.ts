/**
 * The best snapshot of a track for its end event, end to end with the real parts: an images source of PNG
 * frames, the YOLO-layout stand-in (real TFLite, one fixed person box), the tracker keeping a small JPEG of the
 * track's best frame (sharp, off the hot path), and the mqtt sink against a real Mosquitto publishing that JPEG on
 * `<snapshot topic>/track/<id>` and naming it as the track_end event's `snapshot.ref` (valid against the schema).
 * The JPEG is decoded: the box is drawn in the class colour where the track was.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZONE_COLOUR } from '../../src/snapshot/analytics-overlay.js';
import { classColour } from '../../src/snapshot/svg.js';
import { BestSnapshots, renderBestSnapshot } from '../../src/tracking/best-snapshots.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { decode, distance, pixel } from '../snapshot/images.js';
import { runYaml } from '../stages/helpers.js';
import { Mosquitto, mosquittoOrSkip } from './mqtt-broker.js';
import { Collector } from './mqtt-collector.js';
import { removeOutboxDirs, schemaErrors } from './mqtt-fixtures.js';

const binary = mosquittoOrSkip();
const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-best-snapshot-'));
const FRAMES = 6;
const GREY = { r: 90, g: 90, b: 90 };

async function frames(): Promise<string> {
  const folder = path.join(dir, 'frames');
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < FRAMES; i++) await sharp({ create: { width: 200, height: 100, channels: 3, background: GREY } }).png().toFile(path.join(folder, `f${i}.png`));
  return folder;
}

describe('best snapshots kept per track', () => {
  it('are bounded in tracks and bytes: a picture over the bounds is dropped and counted, one asked for while another is made is skipped', async () => {
    const image = { kind: 'raw', format: 'rgb24', width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(90) } as const;
    const shot = (frameId: number) => ({ frameId, atMs: 1000 + frameId, score: 0.8, index: 0, label: 'person', box: { x: 10, y: 10, width: 20, height: 20 } });
    const pictures = new BestSnapshots({ maxTracks: 1 }, renderBestSnapshot);
    pictures.offer(1, image, shot(1));
    pictures.offer(2, image, shot(1));
    await pictures.idle();
    expect(pictures.counts).toEqual({ kept: 1, skipped: 1, dropped: 0 });
    pictures.offer(2, image, shot(2));
    await pictures.idle();
    // A second track would exceed maxTracks 1.
    expect(pictures.counts).toEqual({ kept: 1, skipped: 1, dropped: 1 });
    expect(pictures.get(2)).toBeUndefined();
    const kept = pictures.get(1)!;
    expect(kept).toMatchObject({ frameId: 1, atMs: 1001, score: 0.8 });
    expect(pictures.keptBytes).toBe(kept.jpeg.byteLength);
    pictures.forget(1);
    expect(pictures.keptBytes).toBe(0);
    const small = new BestSnapshots({ maxBytes: 10 }, renderBestSnapshot);
    small.offer(1, image, shot(1));
    await small.idle();
    expect(small.counts).toEqual({ kept: 0, skipped: 0, dropped: 1 });
  });
});

describe.skipIf(binary === undefined)('best snapshot on track_end through MQTT (Mosquitto)', () => {
  let broker: Mosquitto;
  let watcher: Collector;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
    watcher = await Collector.start(broker.url, ['edgepipe/#']);
  });
  afterAll(async () => {
    await watcher?.stop();
    await broker?.stop();
    await removeOutboxDirs();
  });

  /** A pipeline over the grey frames whose detector sees one fixed person box, tracked, into an mqtt sink with snapshots. */
  async function personYaml(name: string, device: string, extra: string, events: string): Promise<string> {
    const model = writeYoloLayoutModel(dir, `${name}.tflite`, 3, 8, [{ cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 0, score: 0.9 }]);
    return `
version: 1
pipelines:
  - name: ${name}
    source: { kind: images, path: ${await frames()} }
    model: { file: ${model} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    track: { min_hits: 3 }
${extra}    sinks:
      - { kind: mqtt, url: "${broker.url}", device_id: ${device}, outbox: { dir: ${path.join(dir, `outbox-${name}`)} }, ${events}, snapshots: { enabled: true } }
`;
  }

  it('the JPEG of the best frame is published on <snapshot topic>/track/<id> and named by the event', async () => {
    const zones = '    zones: [ { name: door, points: [[20, 10], [180, 10], [180, 90], [20, 90]], min_time_s: 0 } ]\n';
    const { pipeline, events } = await runYaml(path.join(dir, 'hall.yaml'), await personYaml('hall', 'best', zones, 'events: { enabled: true }'));
    const ends = events.filter((e) => e.type === 'track_end');
    expect(ends).toHaveLength(1);
    // The fixed box scores the same in every frame: the best is the first frame of the confirmed track (min_hits 3).
    expect(ends[0]).toMatchObject({ trackId: 1, snapshot: { frameId: 2 } });
    const topic = 'edgepipe/best/hall/snapshot/track/1';
    await watcher.until(
      () => watcher.on('edgepipe/best/hall/events').length >= 2 && watcher.messages.some((m) => m.topic === topic) && watcher.messages.some((m) => m.topic === 'edgepipe/best/hall/snapshot'),
      'the events, the track picture and the annotated snapshot',
    );
    const end = watcher.on('edgepipe/best/hall/events').map((p) => JSON.parse(p) as Record<string, unknown>).find((e) => e['type'] === 'track_end')!;
    expect(end).toMatchObject({ track_id: 1, snapshot: { frame_id: 2, score: 0.898438, ref: topic } });
    expect(schemaErrors('track-event', JSON.stringify(end))).toEqual([]);
    const jpeg = watcher.messages.find((m) => m.topic === topic)!.payload;
    expect(jpeg.byteLength).toBeLessThanOrEqual(48 * 1024);
    const image = await decode(jpeg);
    expect([image.width, image.height]).toEqual([200, 100]);
    // The box is x 75..125, y 25..75: its left edge in the class colour, its centre and a corner of the frame grey.
    expect(distance(pixel(image, 75, 50), classColour(0))).toBeLessThanOrEqual(50);
    expect(distance(pixel(image, 100, 50), [GREY.r, GREY.g, GREY.b])).toBeLessThanOrEqual(6);
    expect(distance(pixel(image, 190, 95), [GREY.r, GREY.g, GREY.b])).toBeLessThanOrEqual(6);
    expect(pipeline.report().stages?.['tracking']).toMatchObject({ bestSnapshotsKept: 1, bestSnapshotsDropped: 0 });

    // The track events (track_start, zone_enter on frame 2) took an annotated snapshot: the zone's outline and the
    // track are drawn on it.
    const annotated = watcher.messages.filter((m) => m.topic === 'edgepipe/best/hall/snapshot');
    expect(annotated.length).toBeGreaterThanOrEqual(1);
    const shot = await decode(annotated[0]!.payload);
    expect([shot.width, shot.height]).toEqual([200, 100]);
    for (const [x, y] of [[20, 40], [20, 60], [100, 90], [180, 50]] as const) {
      expect(distance(pixel(shot, x, y), ZONE_COLOUR), `zone edge ${x},${y}`).toBeLessThanOrEqual(50);
    }
    // The track's box (x 75..125), its right edge in the class colour.
    expect(distance(pixel(shot, 125, 50), classColour(0))).toBeLessThanOrEqual(50);
  });

  it('with the events topic off, the best picture is still published (snapshots on)', async () => {
    const { events } = await runYaml(path.join(dir, 'quiet.yaml'), await personYaml('quiet', 'quiet', '', 'events: { enabled: false }'));
    expect(events.filter((e) => e.type === 'track_end')).toHaveLength(1);
    const topic = 'edgepipe/quiet/quiet/snapshot/track/1';
    await watcher.until(() => watcher.messages.some((m) => m.topic === topic), 'the track picture');
    const image = await decode(watcher.messages.find((m) => m.topic === topic)!.payload);
    expect([image.width, image.height]).toEqual([200, 100]);
    expect(watcher.on('edgepipe/quiet/quiet/events')).toEqual([]);
  });
});

/**
 * The file sink stores end events' best pictures in snapshots/ beside the events file and names each in its event
 * line; the folder is bounded (oldest removed, counted, across restarts); what cannot be written (the queue full,
 * a full disk on a real 1 MiB tmpfs, a file where the folder should be) is counted and logged and the event line is
 * written all the same.
 */
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RemovedEvent, TrackEndEvent, TrackStartEvent } from '../../src/core/events.js';
import { FileSink, type FileSinkOptions } from '../../src/sinks/file-sink.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { jsonSchemaErrors, type Json, type JsonSchema } from '../../src/config/json-schema-check.js';
import { schemaErrors } from './mqtt-fixtures.js';
import { Tmpfs, tmpfsOrSkip } from './tmpfs.js';

afterAll(removeTempDirs);

const canMount = tmpfsOrSkip();
const AT = Date.UTC(2026, 11, 7, 14, 23, 55, 259);
const STAMP = '20261207T142355259Z';

/** A JPEG-like picture of `bytes` bytes (the sink stores bytes; it never decodes them), tagged by `tag`. */
function picture(bytes: number, tag: number): Uint8Array {
  const data = new Uint8Array(bytes).fill(tag);
  data.set([0xff, 0xd8, 0xff], 0);
  return data;
}

function trackEnd(trackId: number, jpeg: Uint8Array | undefined, atMs = AT): TrackEndEvent {
  return {
    type: 'track_end',
    pipeline: 'door',
    trackId,
    label: 'person',
    score: 0.4,
    atMs: atMs + 3000,
    firstSeenMs: atMs - 5000,
    lastSeenMs: atMs + 2500,
    bestScore: 0.9,
    frameId: 80,
    snapshot: { frameId: 40, atMs, score: 0.9, ...(jpeg ? { jpeg } : {}) },
  };
}

function sinkIn(dir: string, options: FileSinkOptions = {}, pipeline = 'door'): { sink: FileSink; file: string; warnings: string[] } {
  const file = path.join(dir, 'events.jsonl');
  const warnings: string[] = [];
  const sink = new FileSink(pipeline, { kind: 'file', path: file, maxBytes: 10 * 1024 * 1024, keep: 1 }, { warn: (m) => warnings.push(m), ...options });
  return { sink, file, warnings };
}

const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const refOf = (line: Record<string, unknown>): unknown => (line['snapshot'] as { ref?: unknown } | undefined)?.ref;
const pictures = (dir: string): string[] => readdirSync(path.join(dir, 'snapshots')).sort();

describe('file sink: best pictures of end events', () => {
  it('writes the picture beside the events file and names it in the line; removed shares track_end\'s file; other events have none', async () => {
    const dir = tempDir('file-snapshots');
    const { sink, file, warnings } = sinkIn(dir);
    await sink.start();
    const jpeg = picture(30_000, 7);
    const start: TrackStartEvent = { type: 'track_start', pipeline: 'door', trackId: 4, label: 'person', score: 0.8, atMs: AT - 5000, firstSeenMs: AT - 5000 };
    const removed: RemovedEvent = { ...trackEnd(4, jpeg), type: 'removed', stationarySinceMs: AT - 1000 };
    sink.event(start);
    sink.event(trackEnd(4, jpeg));
    sink.event(removed);
    sink.event(trackEnd(5, undefined));
    expect(await sink.flush()).toBe(true);
    await sink.stop();

    const written = lines(file);
    const name = `snapshots/door-track-4-${STAMP}.jpg`;
    expect(written.map((l) => [l['type'], refOf(l)])).toEqual([
      ['track_start', undefined],
      ['track_end', name],
      ['removed', name],
      ['track_end', undefined],
    ]);
    expect(written[1]!['snapshot']).toEqual({ frame_id: 40, time_ms: AT, score: 0.9, ref: name });
    // The relative path resolves from the events file's folder to the very bytes; nothing else (no temp file) is left.
    expect(readFileSync(path.join(path.dirname(file), name)).equals(Buffer.from(jpeg))).toBe(true);
    expect(pictures(dir)).toEqual([`door-track-4-${STAMP}.jpg`]);
    const enveloped = JSON.stringify({ ...written[1], id: '0193f0a4-0000-7000-8000-000000000000', seq: 1, device: 'd' });
    expect(schemaErrors('track-event', enveloped)).toEqual([]);
    expect(sink.stats()).toEqual({
      written: 4,
      dropped: 0,
      errors: 0,
      pending: 0,
      pictures: { written: 1, removed: 0, dropped: 0, errors: 0, pending: 0, files: 1, bytes: 30_000 },
    });
    expect(warnings).toEqual([]);
    // As the MQTT stats carry it (snake_case), valid against schema/stats.schema.json's sink counters.
    const statsSchema = JSON.parse(readFileSync(new URL('../../schema/stats.schema.json', import.meta.url), 'utf8')) as { properties: { sinks: { additionalProperties: JsonSchema } } };
    const snake = JSON.parse(JSON.stringify(sink.stats()).replace(/"lastError"/g, '"last_error"')) as Json;
    expect(jsonSchemaErrors(statsSchema.properties.sinks.additionalProperties, snake)).toEqual([]);
    expect(jsonSchemaErrors(statsSchema.properties.sinks.additionalProperties, { written: 0, dropped: 0, errors: 0, pending: 0, pictures: { written: 1 } })).not.toEqual([]);
  });

  it('keeps at most max files and bytes of its pipeline, removing the oldest (counted), also those found from an earlier run', async () => {
    const dir = tempDir('file-snapshots-cap');
    mkdirSync(path.join(dir, 'snapshots'));
    // An earlier run's pictures (older mtimes), another pipeline's and a leftover temporary file of a crash.
    const earlier = [1, 2].map((n) => `door-track-${n}-20261206T000000000Z.jpg`);
    earlier.forEach((name, i) => {
      writeFileSync(path.join(dir, 'snapshots', name), picture(10_000, 1));
      utimesSync(path.join(dir, 'snapshots', name), new Date(AT - 86_400_000 + i), new Date(AT - 86_400_000 + i));
    });
    writeFileSync(path.join(dir, 'snapshots', 'hall-track-1-20261206T000000000Z.jpg'), picture(10_000, 1));
    writeFileSync(path.join(dir, 'snapshots', `.door-track-9-${STAMP}.jpg.tmp`), picture(5_000, 1));

    const { sink } = sinkIn(dir, { snapshots: { maxFiles: 3, maxBytes: 35_000 } });
    await sink.start();
    for (let id = 10; id < 14; id++) {
      sink.event(trackEnd(id, picture(10_000, id), AT + id));
      expect(await sink.flush()).toBe(true); // one at a time: the newest is the last written
    }
    await sink.stop();
    const stamps = [10, 11, 12, 13].map((id) => new Date(AT + id).toISOString().replace(/[-:.]/g, ''));
    expect(pictures(dir)).toEqual([`door-track-11-${stamps[1]}.jpg`, `door-track-12-${stamps[2]}.jpg`, `door-track-13-${stamps[3]}.jpg`, 'hall-track-1-20261206T000000000Z.jpg']);
    expect(sink.stats().pictures).toMatchObject({ written: 4, removed: 3, files: 3, bytes: 30_000 });

    // Bytes bind before the count: 35,000 bytes hold one 20,000-byte picture and one 10,000.
    const { sink: second } = sinkIn(dir, { snapshots: { maxFiles: 10, maxBytes: 35_000 } });
    await second.start();
    second.event(trackEnd(20, picture(20_000, 20), AT + 20));
    expect(await second.flush()).toBe(true);
    await second.stop();
    expect(pictures(dir).filter((n) => n.startsWith('door-'))).toEqual([`door-track-13-${stamps[3]}.jpg`, `door-track-20-${new Date(AT + 20).toISOString().replace(/[-:.]/g, '')}.jpg`]);
    expect(second.stats().pictures).toMatchObject({ written: 1, removed: 2, files: 2, bytes: 30_000 });
  });

  it('drops pictures beyond the waiting queue (counted): their lines are written without a ref', async () => {
    const dir = tempDir('file-snapshots-queue');
    const { sink, file } = sinkIn(dir, { snapshots: { maxPending: 2 } });
    await sink.start();
    // Synchronously: the first goes to the writer at once, two wait, two find the queue full.
    for (let id = 1; id <= 5; id++) sink.event(trackEnd(id, picture(20_000, id)));
    expect(await sink.flush()).toBe(true);
    await sink.stop();
    expect(lines(file).map((l) => refOf(l) !== undefined)).toEqual([true, true, true, false, false]);
    expect(pictures(dir)).toHaveLength(3);
    expect(sink.stats()).toMatchObject({ written: 5, dropped: 0, pictures: { written: 3, dropped: 2, errors: 0 } });
  });

  it('a file where the snapshots folder should be: the write fails, counted and logged once per 10 s, every line written', async () => {
    const dir = tempDir('file-snapshots-blocked');
    writeFileSync(path.join(dir, 'snapshots'), 'not a folder\n');
    const { sink, file, warnings } = sinkIn(dir);
    await sink.start();
    sink.event(trackEnd(1, picture(1000, 1)));
    sink.event(trackEnd(2, picture(1000, 2)));
    expect(await sink.flush()).toBe(true);
    await sink.stop();
    expect(lines(file).map((l) => l['track_id'])).toEqual([1, 2]);
    expect(sink.stats()).toMatchObject({ written: 2, errors: 0, pictures: { written: 0, errors: 2 } });
    expect(sink.stats().pictures!.lastError).toBe(`cannot write ${path.join(dir, 'snapshots', `door-track-2-${STAMP}.jpg`)}: already exists`);
    expect(warnings[0]).toBe(`sink door/file: cannot write ${path.join(dir, 'snapshots', `door-track-1-${STAMP}.jpg`)}: already exists (the event line names it all the same)`);
  });
});

describe.skipIf(!canMount)('file sink pictures on a full disk (a real 1 MiB tmpfs)', () => {
  it('a picture that does not fit fails (ENOSPC, counted, logged), leaves no partial file, and the event line is written; pictures resume when there is room', async () => {
    const disk = Tmpfs.mount(1024 * 1024);
    try {
      const { sink, file, warnings } = sinkIn(disk.dir);
      await sink.start();
      sink.event(trackEnd(1, picture(40_000, 1)));
      expect(await sink.flush()).toBe(true);
      await disk.fill(16 * 1024); // room for lines, not for a 100 KB picture
      sink.event(trackEnd(2, picture(100_000, 2), AT + 2));
      expect(await sink.flush()).toBe(true);
      expect(lines(file).map((l) => [l['track_id'], typeof refOf(l)])).toEqual([
        [1, 'string'],
        [2, 'string'],
      ]);
      expect(await disk.list('snapshots', '')).toEqual([`door-track-1-${STAMP}.jpg`]);
      expect(sink.stats()).toMatchObject({ written: 2, dropped: 0, errors: 0, pictures: { written: 1, errors: 1, files: 1 } });
      expect(warnings.some((w) => /^sink door\/file: cannot write .*door-track-2-.*\.jpg: no space left on device \(the event line names it all the same\)$/.test(w))).toBe(true);

      await disk.unfill();
      sink.event(trackEnd(3, picture(100_000, 3), AT + 3));
      expect(await sink.flush()).toBe(true);
      await sink.stop();
      expect(await disk.list('snapshots', '.jpg')).toHaveLength(2);
      expect(sink.stats()).toMatchObject({ written: 3, pictures: { written: 2, errors: 1, files: 2, bytes: 140_000 } });
    } finally {
      disk.unmount();
    }
  });
});

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileSinkConfig } from '../../src/config/types.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { createSink } from '../../src/sinks/index.js';
import { FileSink, type FileSinkOptions } from '../../src/sinks/file-sink.js';
import { predictionLine } from '../../src/sinks/json-lines.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { describeSinkContract } from './sink-contract.js';
import { prediction } from './helpers.js';

const fileSink = (file: string, config: Partial<FileSinkConfig> = {}, options: FileSinkOptions = {}): FileSink =>
  new FileSink('door', { kind: 'file', path: file, maxBytes: 10 * 1024 * 1024, keep: 3, ...config }, { warn: () => undefined, ...options });
const readLines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);
const ids = (file: string): number[] => readLines(file).map((line) => (JSON.parse(line) as { frame_id: number }).frame_id);

afterAll(removeTempDirs);

describeSinkContract('file', {
  make: ({ queueLines } = {}) => {
    const file = path.join(tempDir('file-sink'), 'out.jsonl');
    const sink = fileSink(file, {}, queueLines ? { queue: { maxLines: queueLines } } : {});
    return { sink, output: async () => readLines(file) };
  },
});

describe('file sink: rotation', () => {
  // Frame ids 100..199 give lines of one length, so a file of 3 lines is exactly 3 * lineBytes.
  const lineBytes = Buffer.byteLength(predictionLine(prediction(100)));

  it('rotates to path.1, path.2 ... path.<keep> before the file would pass maxBytes; the oldest is deleted', async () => {
    const dir = tempDir('file-rotate');
    const file = path.join(dir, 'out.jsonl');
    const sink = fileSink(file, { maxBytes: 3 * lineBytes + 10, keep: 2 });
    await sink.start();
    for (let i = 100; i < 110; i++) sink.write(prediction(i));
    await sink.stop();
    expect(ids(file)).toEqual([109]);
    expect(ids(`${file}.1`)).toEqual([106, 107, 108]);
    expect(ids(`${file}.2`)).toEqual([103, 104, 105]);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).size).toBeLessThanOrEqual(3 * lineBytes + 10);
    expect(statSync(`${file}.1`).size).toBe(3 * lineBytes);
    expect(sink.stats()).toEqual({ written: 10, dropped: 0, errors: 0, pending: 0 });
  });

  it('keep 0 keeps no rotated files', async () => {
    const file = path.join(tempDir('file-keep0'), 'out.jsonl');
    const sink = fileSink(file, { maxBytes: 2 * lineBytes, keep: 0 });
    await sink.start();
    for (let i = 100; i < 105; i++) sink.write(prediction(i));
    await sink.stop();
    expect(ids(file)).toEqual([104]);
    expect(existsSync(`${file}.1`)).toBe(false);
  });

  it('appends to an existing file, rotating it first when it is already full', async () => {
    const dir = tempDir('file-existing');
    const file = path.join(dir, 'out.jsonl');
    writeFileSync(file, predictionLine(prediction(100)) + predictionLine(prediction(101)));
    const sink = fileSink(file, { maxBytes: 3 * lineBytes, keep: 1 });
    await sink.start();
    sink.write(prediction(102));
    sink.write(prediction(103));
    await sink.stop();
    expect(ids(`${file}.1`)).toEqual([100, 101, 102]);
    expect(ids(file)).toEqual([103]);
  });

  it('a line longer than maxBytes goes into a file of its own', async () => {
    const file = path.join(tempDir('file-long'), 'out.jsonl');
    const sink = fileSink(file, { maxBytes: 100, keep: 5 });
    await sink.start();
    for (let i = 100; i < 103; i++) sink.write(prediction(i));
    await sink.stop();
    expect([ids(`${file}.2`), ids(`${file}.1`), ids(file)]).toEqual([[100], [101], [102]]);
  });
});

describe('file sink: the disk misbehaves', () => {
  it('creates missing parent folders, at start and again if they are removed while running', async () => {
    const root = tempDir('file-dirs');
    const file = path.join(root, 'a', 'b', 'out.jsonl');
    const sink = fileSink(file);
    await sink.start();
    sink.write(prediction(1));
    await sink.flush();
    rmSync(path.join(root, 'a'), { recursive: true });
    sink.write(prediction(2));
    await sink.flush();
    expect(ids(file)).toEqual([2]);
    expect(sink.stats()).toEqual({ written: 2, dropped: 0, errors: 0, pending: 0 });
    await sink.stop();
  });

  it('a write error is counted and reported once, the lines are kept, and writing resumes when the path works again', async () => {
    const root = tempDir('file-recover');
    const dir = path.join(root, 'logs');
    const file = path.join(dir, 'out.jsonl');
    const warnings: string[] = [];
    const sink = fileSink(file, {}, { retryInitialMs: 10, retryMaxMs: 20, warn: (m) => warnings.push(m) });
    await sink.start();
    sink.write(prediction(1));
    await sink.flush();
    // The folder is replaced by a file: creating the folder and opening the log fail (as root too, unlike chmod).
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'in the way');
    sink.write(prediction(2));
    sink.write(prediction(3));
    const flushed = sink.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = sink.stats();
    expect(during.errors).toBeGreaterThanOrEqual(2);
    expect(during).toMatchObject({ written: 1, pending: 2 });
    expect(during.lastError).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/out\\.jsonl: (already exists|a path component is not a directory)$`));
    rmSync(dir);
    await flushed;
    expect(ids(file)).toEqual([2, 3]);
    expect(sink.stats()).toMatchObject({ written: 3, dropped: 0, pending: 0 });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^sink door\/file: cannot write .*; retrying, 2 prediction\(s\) held$/);
    expect(warnings[1]).toMatch(/^sink door\/file: writing .* again after \d+ failed attempt\(s\)$/);
    await sink.stop();
  });

  it('a full disk (/dev/full) never throws: errors counted, stop gives up after its timeout and counts the drops', async () => {
    const warnings: string[] = [];
    const sink = new FileSink('door', { kind: 'file', path: '/dev/full', maxBytes: 1 << 30, keep: 0 }, {
      retryInitialMs: 5,
      flushTimeoutMs: 50,
      stopTimeoutMs: 100,
      warn: (m) => warnings.push(m),
    });
    await sink.start();
    for (let i = 0; i < 10; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(false); // bounded: the lines stay queued and are retried
    expect(sink.stats()).toMatchObject({ written: 0, dropped: 0, pending: 10 });
    await sink.stop();
    const stats = sink.stats();
    expect(stats).toMatchObject({ written: 0, dropped: 10, pending: 0, lastError: '/dev/full: no space left on device' });
    expect(stats.errors).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toBe('sink door/file: cannot write /dev/full: no space left on device; retrying, 10 prediction(s) held');
    expect(warnings.at(-1)).toBe('sink door/file: stopped with 10 prediction(s) not written to /dev/full: /dev/full: no space left on device');
  });

  it('a full queue on a failing disk drops new predictions, counted and logged once per 10 s with the cause', async () => {
    const warnings: string[] = [];
    const sink = new FileSink('door', { kind: 'file', path: '/dev/full', maxBytes: 1 << 30, keep: 0 }, {
      queue: { maxLines: 5 },
      retryInitialMs: 5,
      stopTimeoutMs: 50,
      warn: (m) => warnings.push(m),
    });
    await sink.start();
    for (let i = 0; i < 5; i++) sink.write(prediction(i));
    while (sink.stats().errors === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 5; i < 25; i++) sink.write(prediction(i));
    expect(sink.stats()).toMatchObject({ written: 0, dropped: 20, pending: 5 });
    expect(warnings.filter((w) => w.includes('queue full'))).toEqual([
      'sink door/file: queue full (5 prediction(s) held; /dev/full: no space left on device): dropping new predictions',
    ]);
    await sink.stop();
    expect(sink.stats()).toMatchObject({ written: 0, dropped: 25, pending: 0 });
  });

  it('start fails with an error naming the path when the file cannot be created', async () => {
    const root = tempDir('file-blocked');
    writeFileSync(path.join(root, 'file'), 'x');
    const file = path.join(root, 'file', 'out.jsonl');
    const sink = fileSink(file);
    const error = await sink.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(EdgepipeError);
    expect((error as EdgepipeError).message).toMatch(new RegExp(`^sink door/file: cannot open ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    expect((error as EdgepipeError).code).toBe('ERR_SINK_OPEN');
    await sink.stop();
  });

  it('bad maxBytes or keep are refused at start', async () => {
    const dir = tempDir('file-bad');
    mkdirSync(dir, { recursive: true });
    const error = await fileSink(path.join(dir, 'x'), { maxBytes: 0 }).start().then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toBe('sink door/file: maxBytes must be an integer >= 1, got 0');
  });

  it('createSink makes one for `kind: file`', () => {
    const sink = createSink('door', { kind: 'file', path: '/tmp/x.jsonl', maxBytes: 1000, keep: 1 });
    expect(sink).toBeInstanceOf(FileSink);
  });
});

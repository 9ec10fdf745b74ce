import { spawn } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StdoutSink } from '../../src/sinks/stdout-sink.js';
import { createSink } from '../../src/sinks/index.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { describeSinkContract } from './sink-contract.js';
import { MemoryStream, prediction } from './helpers.js';

describeSinkContract('stdout (in-memory stream)', {
  make: ({ queueLines } = {}) => {
    const stream = new MemoryStream({ highWaterMark: 256 });
    const sink = new StdoutSink('door', { stream, ...(queueLines ? { queue: { maxLines: queueLines } } : {}) });
    return { sink, output: async () => stream.lines() };
  },
});

describe('stdout sink', () => {
  it('while the stream is congested, lines wait in the bounded queue; beyond it they are dropped', async () => {
    const stream = new MemoryStream({ highWaterMark: 1, delayMs: 5 });
    const sink = new StdoutSink('door', { stream, queue: { maxLines: 10 } });
    await sink.start();
    for (let i = 0; i < 100; i++) sink.write(prediction(i));
    // The first line filled the stream's buffer, ten wait, the rest were refused.
    expect(sink.stats()).toEqual({ written: 0, dropped: 89, errors: 0, pending: 11 });
    await sink.flush();
    expect(sink.stats()).toEqual({ written: 11, dropped: 89, errors: 0, pending: 0 });
    expect(stream.lines().map((l) => (JSON.parse(l) as { frame_id: number }).frame_id)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    await sink.stop();
  });

  it('a stream that breaks (EPIPE) is counted and reported once, never thrown', async () => {
    const stream = new MemoryStream({ highWaterMark: 1, delayMs: 20 });
    const warnings: string[] = [];
    const sink = new StdoutSink('door', { stream, warn: (m) => warnings.push(m) });
    await sink.start();
    for (let i = 0; i < 5; i++) sink.write(prediction(i));
    stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    sink.write(prediction(5));
    await sink.flush();
    await sink.stop();
    expect(sink.stats()).toEqual({ written: 0, dropped: 6, errors: 1, pending: 0, lastError: 'the reader went away (broken pipe)' });
    expect(warnings).toEqual(['sink door/stdout: cannot write to standard output: the reader went away (broken pipe); dropping predictions from now on']);
  });

  it('flush and stop give up after their timeouts on a stream that never drains; stop counts the rest as dropped', async () => {
    const stream = new MemoryStream({ highWaterMark: 1, delayMs: 60_000 });
    const sink = new StdoutSink('door', { stream, flushTimeoutMs: 20, stopTimeoutMs: 50 });
    await sink.start();
    for (let i = 0; i < 4; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(false);
    await sink.stop();
    expect(sink.stats()).toMatchObject({ written: 0, dropped: 3, pending: 1 });
    stream.destroy();
  });

  it('createSink makes one for `kind: stdout`', () => {
    const sink = createSink('door', { kind: 'stdout' });
    expect(sink).toBeInstanceOf(StdoutSink);
    expect(sink.name).toBe('door/stdout');
  });
});

describe('stdout sink in a child process (the real process.stdout)', () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    // Node 20 cannot run TypeScript: bundle a tiny driver with esbuild (vitest's own transformer).
    dir = tempDir('stdout-child');
    script = path.join(dir, 'child.mjs');
    await build({
      entryPoints: [path.join(import.meta.dirname, 'stdout-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: script,
      logLevel: 'silent',
    });
  });

  afterAll(removeTempDirs);

  const run = (count: number, readerDelayMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // A slow reader: the pipe fills, process.stdout buffers and write() returns false, as with a stalled consumer.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), readerDelayMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr }));
    });

  it('prints one parseable JSON line per prediction, keys in a stable order, and accounts for every one', async () => {
    const { code, stdout, stderr } = await run(3000, 200);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) {
      expect(Object.keys(record)).toEqual(['time', 'time_ms', 'pipeline', 'source', 'frame_id', 'delegate', 'model', 'latency_ms', 'meta', 'result']);
    }
    const stats = JSON.parse(stderr.trim().split('\n').pop()!) as { written: number; dropped: number; errors: number; pending: number; congested: boolean };
    expect(stats.written + stats.dropped).toBe(3000);
    // 3000 lines written in one tick overflow the pipe: backpressure was exercised, and the queue bound held.
    expect(stats.congested).toBe(true);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(stats.pending).toBe(0);
    expect(stats.errors).toBe(0);
    expect(records.length).toBe(stats.written);
    // Dropped lines are the newest at each congestion; what arrived is in order.
    const ids = records.map((r) => r.frame_id as number);
    for (let i = 1; i < ids.length; i++) expect(ids[i]!).toBeGreaterThan(ids[i - 1]!);
    expect(ids[0]).toBe(0);
  });
});

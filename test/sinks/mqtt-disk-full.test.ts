/**
 * Issue 11, point 4, replayed with a real Mosquitto and a real 1 MiB tmpfs: the outbox fills the disk while the
 * broker is down, drops (counted, logged) what it cannot store, and recovers by itself; seqs have gaps exactly
 * where drops were counted and are never used twice; nothing in memory vanishes silently at stop; the file sink on
 * the same full disk counts its drops and recovers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileSink } from '../../src/sinks/file-sink.js';
import { MqttSink } from '../../src/sinks/mqtt/mqtt-sink.js';
import { segmentName } from '../../src/sinks/mqtt/outbox-files.js';
import { removeTempDirs, tempDir } from '../sources/helpers.js';
import { prediction } from './helpers.js';
import { Mosquitto, mosquittoOrSkip, Subscriber } from './mqtt-broker.js';
import { killChild, startChildSink } from './mqtt-child-run.js';
import { mqttConfig, predictionsTopic, removeOutboxDirs } from './mqtt-fixtures.js';
import { Tmpfs, tmpfsOrSkip } from './tmpfs.js';

const binary = mosquittoOrSkip();
const canMount = tmpfsOrSkip();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(ready: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(50);
  }
}

const persistentSubscriber = (url: string, id: string) =>
  Subscriber.start(url, predictionsTopic, { clientId: `sub-${id}-${process.pid}`, clean: false, properties: { sessionExpiryInterval: 3600 } });

/** seq -> the ids received with it. */
function idsBySeq(payloads: readonly string[]): Map<number, Set<string>> {
  const bySeq = new Map<number, Set<string>>();
  for (const payload of payloads) {
    const { seq, id } = JSON.parse(payload) as { seq: number; id: string };
    bySeq.set(seq, (bySeq.get(seq) ?? new Set()).add(id));
  }
  return bySeq;
}

/** The watermark in `dir/state` (the valid slot with the higher generation). */
function savedWatermark(dir: string): number {
  const text = readFileSync(path.join(dir, 'state'), 'latin1');
  const slots = [text.slice(0, 64), text.slice(64)].map((slot) => slot.trim().split(' ').map(Number));
  const best = slots.filter((s) => s.length === 5).sort((a, b) => b[0]! - a[0]!)[0]!;
  return best[1]!;
}

/** Seqs named in `... (seq 3-7, 9) not stored ...` lines. */
function loggedDrops(warnings: readonly string[]): number[] {
  const seqs: number[] = [];
  for (const line of warnings) {
    const match = /\(seq ([\d, -]+)\) not stored in the outbox/u.exec(line);
    for (const part of match?.[1]?.split(', ') ?? []) {
      const [a, b] = part.split('-').map(Number) as [number, number | undefined];
      for (let s = a; s <= (b ?? a); s++) seqs.push(s);
    }
  }
  return seqs;
}

describe.skipIf(binary === undefined || !canMount)('mqtt outbox and file sink on a full disk', () => {
  let broker: Mosquitto;
  let subscriber: Subscriber | undefined;
  let disk: Tmpfs | undefined;
  beforeAll(async () => {
    broker = await Mosquitto.start(binary!);
  });
  afterEach(async () => {
    await subscriber?.stop();
    subscriber = undefined;
    disk?.unmount();
    disk = undefined;
    if (!(await broker.running())) await broker.run();
  });
  afterAll(async () => {
    await broker?.stop();
    await removeOutboxDirs();
    removeTempDirs();
  });

  it('broker down until the disk is full: drops counted and logged; broker back on the full disk: watermark saved, segments deleted, storing resumes; gaps exactly where drops were counted', async () => {
    disk = Tmpfs.mount(1024 * 1024);
    subscriber = await persistentSubscriber(broker.url, 'full');
    await broker.saved();
    const dir = path.join(disk.dir, 'outbox');
    const warnings: string[] = [];
    const sink = new MqttSink('door', await mqttConfig(broker.url, {}, dir), { warn: (m) => warnings.push(m) });
    await sink.start();
    let n = 0;
    const write = (count: number): void => {
      for (let i = 0; i < count; i++) sink.write(prediction(n++));
    };
    write(100);
    expect(await sink.flush()).toBe(true);

    await until(async () => (await disk!.list('outbox', '.seg')).length === 0, 'the acknowledged segment deleted');
    await broker.kill();
    await disk.fill(320 * 1024); // the outbox gets ~320 KiB: ~500 messages
    const fullSince = Date.now();
    while (sink.stats().dropped === 0) {
      if (n > 20_000) throw new Error(`no drop after ${n} messages: ${JSON.stringify(sink.stats())}`);
      write(20);
      await pause(20);
    }
    for (let i = 0; i < 20; i++) (write(20), await pause(20));
    // Everything accepted is on disk or counted dropped (the committer has tried every batch).
    await until(() => sink.stats().pending + sink.stats().dropped + 100 === n && sink.stats().pending === readyOnDisk(dir), 'every message stored or dropped');
    const full = sink.stats();
    const fullMs = Date.now() - fullSince;
    expect(full.dropped).toBeGreaterThan(0);
    expect(full.unstored).toBe(full.dropped);
    const storeLines = warnings.filter((w) => w.includes('not stored in the outbox'));
    expect(storeLines[0]).toMatch(/^sink door\/mqtt: \d+ message\(s\) \(seq [\d, -]+\) not stored in the outbox .*: no space left on device; dropped/u);
    expect(storeLines.length).toBeLessThanOrEqual(1 + Math.ceil(fullMs / 10_000)); // one line per 10 s
    const watermarkWhileDown = savedWatermark(dir);
    expect(watermarkWhileDown).toBe(100);

    // The broker comes back, the disk is still full (the filler stays).
    await broker.run();
    await until(() => sink.stats().pending === 0, 'every stored message acknowledged');
    await until(async () => savedWatermark(dir) === n, `the saved watermark to reach ${n}`);
    await until(async () => (await disk!.list('outbox', '.seg')).length === 0, 'acknowledged segments deleted (the space is back)');
    expect(await disk.free()).toBeGreaterThan(250 * 1024);
    const dropped = sink.stats().dropped;
    write(100); // stored and delivered without a single drop
    expect(await sink.flush()).toBe(true);
    expect(sink.stats()).toMatchObject({ written: n - dropped, dropped, pending: 0 });
    expect(warnings.some((w) => /storing messages again after \d+ could not be stored$/u.test(w))).toBe(true);

    // The space the filler held comes back too: nothing changes, the outbox keeps going.
    await disk.unfill();
    write(50);
    expect(await sink.flush()).toBe(true);
    const payloads = await subscriber.settle(n - dropped, 300, 60_000);
    const bySeq = idsBySeq(payloads);
    // Each seq carries one id (a redelivery repeats it), none is reused.
    expect([...bySeq.values()].filter((ids) => ids.size > 1)).toEqual([]);
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((seq) => !bySeq.has(seq));
    expect(missing.length).toBe(dropped);
    expect(loggedDrops(warnings).every((seq) => missing.includes(seq))).toBe(true);
    expect(Math.max(...bySeq.keys())).toBe(n);
    await sink.stop();
    console.info(
      `full disk: ${n} written to the sink, ${n - dropped} accepted and delivered (${payloads.length - bySeq.size} redeliveries), ` +
        `${dropped} dropped (= ${missing.length} seq gaps), ${storeLines.length} drop warning line(s) over ${fullMs} ms`,
    );
  });

  it('stop on a full disk: every message accepted is stored or counted dropped and logged; the next start keeps the gap', async () => {
    disk = Tmpfs.mount(1024 * 1024);
    await broker.kill();
    const dir = path.join(disk.dir, 'outbox');
    const config = await mqttConfig(broker.url, {}, dir);
    const warnings: string[] = [];
    const first = new MqttSink('door', config, { warn: (m) => warnings.push(m), stopTimeoutMs: 0 });
    await first.start();
    for (let i = 0; i < 5; i++) first.write(prediction(i));
    await until(() => readyOnDisk(dir) === 5, '5 messages stored');
    await disk.fill();
    for (let i = 5; i < 50; i++) first.write(prediction(i));
    await first.stop();
    // The last page of the segment has room for a message or two: those are stored, the rest dropped.
    const stored = first.stats().pending;
    expect(stored).toBeGreaterThanOrEqual(5);
    expect(stored).toBeLessThan(10);
    expect(first.stats()).toMatchObject({ written: 0, dropped: 50 - stored, unstored: 50 - stored });
    // The committer drops (and logs, once per 10 s) what it takes before the stop; the stop drops and logs the rest.
    const logged = loggedDrops(warnings);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((seq) => seq > stored && seq <= 50)).toBe(true);

    await disk.unfill();
    await broker.run();
    subscriber = await Subscriber.start(broker.url, predictionsTopic);
    const restartWarnings: string[] = [];
    const second = new MqttSink('door', { ...config, clientId: `${config.clientId}-2` }, { warn: (m) => restartWarnings.push(m) });
    await second.start();
    second.write(prediction(50));
    expect(await second.flush()).toBe(true);
    const seqs = [...idsBySeq(await subscriber.settle(stored + 1)).keys()].sort((a, b) => a - b);
    expect(seqs).toEqual([...Array.from({ length: stored }, (_, i) => i + 1), 51]);
    expect(restartWarnings).toContain(
      `sink door/mqtt: outbox ${dir}: ${50 - stored} message(s) above the watermark are not in the outbox (seq ${stored + 1}-50): ` +
        'dropped by an earlier run (counted then) or removed from the disk; their seqs stay a gap',
    );
    await second.stop();
  });

  it('injected EIO: the batches are dropped, counted and logged, the rest flows, and storing resumes', async () => {
    subscriber = await Subscriber.start(broker.url, predictionsTopic);
    let failing = false;
    const eio = (): Error => Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    const warnings: string[] = [];
    const sink = new MqttSink('door', await mqttConfig(broker.url), {
      warn: (m) => warnings.push(m),
      outboxFault: (file) => (failing && file.endsWith('.seg') ? eio() : undefined),
    });
    await sink.start();
    for (let i = 0; i < 20; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(true);
    failing = true;
    for (let i = 20; i < 30; i++) sink.write(prediction(i));
    await until(() => sink.stats().dropped === 10, '10 dropped');
    failing = false;
    for (let i = 30; i < 40; i++) sink.write(prediction(i));
    expect(await sink.flush()).toBe(true);
    expect(sink.stats()).toMatchObject({ written: 30, dropped: 10, unstored: 10, pending: 0 });
    expect(warnings[0]).toMatch(/^sink door\/mqtt: \d+ message\(s\) \(seq 21(-\d+)?\) not stored in the outbox .*: input\/output error; dropped$/u);
    const seqs = [...idsBySeq(await subscriber.settle(30)).keys()].sort((a, b) => a - b);
    expect(seqs).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => 31 + i)]);
    await sink.stop();
  });

  it('a removed and a truncated unacknowledged segment between runs: the restarted sink never reuses their seqs', async () => {
    await broker.kill();
    const dir = tempDir('mqtt-truncated');
    const config = await mqttConfig(broker.url, {}, dir);
    const first = new MqttSink('door', config, { warn: () => undefined, stopTimeoutMs: 0, segmentBytes: 4096 });
    await first.start();
    for (let round = 1; round <= 6; round++) {
      // A batch goes into one segment: rounds of 10 make the segments (4 KiB, ~7 messages) rotate.
      for (let i = 0; i < 10; i++) first.write(prediction(round * 10 + i));
      await until(() => readyOnDisk(dir) === round * 10, `${round * 10} messages stored`);
    }
    await first.stop();
    const segments = (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const second = Number(segments[1]!.slice(0, 16));
    const last = Number(segments.at(-1)!.slice(0, 16));
    await rm(path.join(dir, segments[1]!));
    await truncate(path.join(dir, segments.at(-1)!), 0);
    await broker.run();
    subscriber = await Subscriber.start(broker.url, predictionsTopic);
    const warnings: string[] = [];
    const restarted = new MqttSink('door', { ...config, clientId: `${config.clientId}-2` }, { warn: (m) => warnings.push(m) });
    await restarted.start();
    for (let i = 0; i < 5; i++) restarted.write(prediction(100 + i));
    expect(await restarted.flush()).toBe(true);
    const third = Number(segments[2]!.slice(0, 16));
    const lost = [...Array.from({ length: third - second }, (_, i) => second + i), ...Array.from({ length: 61 - last }, (_, i) => last + i)];
    const bySeq = idsBySeq(await subscriber.settle(60 - lost.length + 5));
    const seqs = [...bySeq.keys()].sort((a, b) => a - b);
    expect(seqs.filter((seq) => lost.includes(seq))).toEqual([]);
    expect(seqs.slice(-5)).toEqual([61, 62, 63, 64, 65]);
    expect(seqs.length).toBe(60 - lost.length + 5);
    expect(warnings.some((w) => w.includes(`${lost.length} message(s) above the watermark are not in the outbox (seq ${second}-${third - 1}, ${last}-60)`))).toBe(true);
    await restarted.stop();
    console.info(`truncated outbox: seqs ${second}-${third - 1} and ${last}-60 lost between runs, a gap; new messages 61-65`);
  });

  it('publisher SIGKILL-ed and its newest segment truncated: the seq continues past the reservation, a gap, never a reuse', async () => {
    await broker.kill();
    const dir = tempDir('mqtt-crash-gap');
    const { child, ready } = await startChildSink(broker.url, dir, 30);
    expect(ready).toContain('"pending":30');
    await killChild(child);
    const segment = path.join(dir, segmentName(1));
    await truncate(segment, readFileSync(segment, 'utf8').split('\n').slice(0, 20).join('\n').length + 1); // seqs 21-30 lost
    await broker.run();
    subscriber = await Subscriber.start(broker.url, predictionsTopic);
    const warnings: string[] = [];
    const config = await mqttConfig(broker.url, {}, dir);
    const restarted = new MqttSink('door', config, { warn: (m) => warnings.push(m) });
    await restarted.start();
    restarted.write(prediction(99));
    expect(await restarted.flush()).toBe(true);
    const seqs = [...idsBySeq(await subscriber.settle(21)).keys()].sort((a, b) => a - b);
    expect(seqs).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 1001]);
    expect(warnings).toContain(`sink door/mqtt: outbox ${dir}: the last run did not stop cleanly; seq continues at 1001 (seqs above 20 were lost in the crash or never used)`);
    await restarted.stop();
  });

  it('the file sink on the same full disk: drops counted and logged, never blocks the mqtt sink, and both recover when space returns', async () => {
    disk = Tmpfs.mount(1024 * 1024);
    subscriber = await Subscriber.start(broker.url, predictionsTopic);
    const file = path.join(disk.dir, 'predictions.jsonl');
    const warnings: string[] = [];
    const fileSink = new FileSink('door', { kind: 'file', path: file, maxBytes: 10 * 1024 * 1024, keep: 1 }, {
      warn: (m) => warnings.push(m),
      queue: { maxLines: 100 },
      retryMaxMs: 200,
    });
    const mqtt = new MqttSink('door', await mqttConfig(broker.url, {}, path.join(disk.dir, 'outbox')), { warn: (m) => warnings.push(m) });
    await Promise.all([fileSink.start(), mqtt.start()]);
    await disk.fill();
    let n = 0;
    const writeBoth = (count: number): void => {
      for (let i = 0; i < count; i++, n++) (fileSink.write(prediction(n)), mqtt.write(prediction(n)));
    };
    writeBoth(100);
    await until(() => fileSink.stats().errors > 0, 'the file sink to meet the full disk');
    writeBoth(200);
    await until(() => mqtt.stats().pending === 0, 'the mqtt sink to settle every message');
    expect(fileSink.stats()).toMatchObject({ written: 0, dropped: 200, pending: 100 });
    expect(fileSink.stats().lastError).toBe(`${file}: no space left on device`);
    expect(warnings).toContain(`sink door/file: queue full (100 prediction(s) held; ${file}: no space left on device): dropping new predictions`);
    expect(mqtt.stats()).toMatchObject({ dropped: 300, unstored: 300 });

    await disk.unfill();
    await until(() => fileSink.stats().written === 100, 'the file sink to write what it held');
    writeBoth(50);
    expect(await mqtt.flush()).toBe(true);
    expect(await fileSink.flush()).toBe(true);
    expect(fileSink.stats()).toMatchObject({ written: 150, dropped: 200, pending: 0 });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { frame_id: number }).frame_id);
    expect(lines).toEqual([...Array.from({ length: 100 }, (_, i) => i), ...Array.from({ length: 50 }, (_, i) => 300 + i)]);
    expect(mqtt.stats()).toMatchObject({ written: 50, dropped: 300, pending: 0 });
    expect([...idsBySeq(await subscriber.settle(50)).keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 301 + i));
    await Promise.all([fileSink.stop(), mqtt.stop()]);
  });
});

/** Complete lines in the outbox segments of `dir`. */
function readyOnDisk(dir: string): number {
  let lines = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.seg')) lines += readFileSync(path.join(dir, name), 'utf8').split('\n').length - 1;
  }
  return lines;
}

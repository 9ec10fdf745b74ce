/** The MQTT outbox without a broker: files (replay, torn lines, watermark, pruning), the queue's bounds, backoff, topics. */
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Backoff } from '../../src/sinks/mqtt/backoff.js';
import { fillTopic, topicLevelProblem, uuidv7 } from '../../src/sinks/mqtt/envelope.js';
import { OutboxFiles, segmentName, type OutboxRecord } from '../../src/sinks/mqtt/outbox-files.js';
import { OutboxQueue } from '../../src/sinks/mqtt/outbox-queue.js';
import { MqttSink, redactUrl } from '../../src/sinks/mqtt/mqtt-sink.js';
import { prediction } from './helpers.js';
import { mqttConfig } from './mqtt-fixtures.js';

const record = (seq: number, atMs = 1000): OutboxRecord => ({ seq, atMs, topic: 't/a', payload: `{"seq":${seq}}` });
const dirs: string[] = [];
const newDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-outbox-unit-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('OutboxFiles', () => {
  it('replays what is above the watermark, skips a torn last line, and continues the seq', async () => {
    const dir = await newDir();
    const files = new OutboxFiles(dir, 1 << 20);
    expect(await files.open()).toEqual({ records: [], watermark: 0, nextSeq: 1, skipped: 0, missing: [], crashed: false, lastStored: 0 });
    await files.append([record(1), record(2), record(3)]);
    await files.settle(1);
    await files.close();
    await appendFile(path.join(dir, segmentName(1)), '4\t1000\tt/a\t{"se');
    const again = new OutboxFiles(dir, 1 << 20);
    expect(await again.open()).toEqual({ records: [record(2), record(3)], watermark: 1, nextSeq: 4, skipped: 1, missing: [], crashed: false, lastStored: 3 });
    await again.close();
  });

  it('deletes segments once every message in them is settled (the newest too), and keeps the seq after all are', async () => {
    const dir = await newDir();
    const files = new OutboxFiles(dir, 10);
    await files.open();
    for (let seq = 1; seq <= 3; seq++) await files.append([record(seq)]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toHaveLength(3);
    await files.settle(2);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toEqual([segmentName(3)]);
    await files.settle(3);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toEqual([]);
    await files.append([record(4)]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.seg'))).toEqual([segmentName(4)]);
    await files.settle(4);
    await files.close();
    const again = new OutboxFiles(dir, 10);
    expect(await again.open()).toMatchObject({ records: [], watermark: 4, nextSeq: 5 });
    await again.close();
  });
});

describe('OutboxQueue', () => {
  it('sends durable messages in order, re-sends the unacknowledged after a lost connection, and moves the watermark', () => {
    const queue = new OutboxQueue({ maxBytes: 1 << 20, maxAgeMs: 60_000 }, 0);
    for (let seq = 1; seq <= 3; seq++) queue.add(record(seq), false);
    expect(queue.takeNext()).toBeUndefined();
    queue.markDurable([1, 2]);
    expect([queue.takeNext()?.seq, queue.takeNext()?.seq, queue.takeNext()]).toEqual([1, 2, undefined]);
    queue.settle(2);
    expect(queue.watermark).toBe(0);
    queue.resendAll();
    queue.markDurable([3]);
    expect([queue.takeNext()?.seq, queue.takeNext()?.seq]).toEqual([1, 3]);
    queue.settle(1);
    expect(queue.watermark).toBe(2);
    expect(queue.settle(1)).toBe(false);
  });

  it('drops the oldest not in flight beyond max bytes, and those older than max age', () => {
    const queue = new OutboxQueue({ maxBytes: 150, maxAgeMs: 500 }, 0);
    queue.add(record(1), true);
    queue.takeNext();
    let dropped = 0;
    for (let seq = 2; seq <= 6; seq++) dropped += queue.add(record(seq, 1000 + seq * 100), true);
    // 44 bytes each: 3 fit; seq 1 is in flight, so 2, 3 and 4 go.
    expect(dropped).toBe(3);
    expect(queue.size).toBe(3);
    // seq 1 is older but in flight (its PUBACK may still come); seq 5 is the oldest that can go.
    expect(queue.dropExpired(1500 + 501)).toBe(1);
    expect(queue.size).toBe(2);
  });

  it('adopting a replay treats missing seqs (unreadable lines) as settled', () => {
    const queue = new OutboxQueue({ maxBytes: 1 << 20, maxAgeMs: 60_000 }, 0);
    queue.adopt([record(2), record(4)], 6);
    expect(queue.watermark).toBe(1);
    queue.settle(2);
    queue.settle(4);
    expect(queue.watermark).toBe(5);
  });
});

describe('backoff, topics and ids', () => {
  it('doubles to the maximum with jitter in [d/2, d], and resets', () => {
    const low = new Backoff(500, 30_000, () => 0);
    expect(Array.from({ length: 8 }, () => low.next())).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    const high = new Backoff(500, 30_000, () => 1);
    expect([high.next(), high.next()]).toEqual([500, 1000]);
    high.reset();
    expect(high.next()).toBe(500);
  });

  it('fills topic templates and checks topic levels', () => {
    expect(fillTopic('edgepipe/{device}/{pipeline}/predictions', { device: 'gate', pipeline: 'door' })).toBe('edgepipe/gate/door/predictions');
    expect([topicLevelProblem(''), topicLevelProblem('a+b'), topicLevelProblem('a b'), topicLevelProblem('gate-3')]).toEqual([
      'is empty',
      'contains +, # or /',
      'contains spaces or control characters',
      undefined,
    ]);
  });

  it('message ids are UUIDv7 and unique', () => {
    const ids = Array.from({ length: 1000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(1000);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u);
  });
});

describe('mqtt sink without a reachable broker', () => {
  it('never blocks: stop gives up after its timeout, keeps the messages in the outbox, and the next start has them', async () => {
    const dir = await newDir();
    const config = await mqttConfig('mqtt://user:secret@127.0.0.1:1', {}, dir);
    const warnings: string[] = [];
    const first = new MqttSink('door', config, { warn: (m) => warnings.push(m), stopTimeoutMs: 200 });
    await first.start();
    for (let i = 0; i < 3; i++) first.write(prediction(i));
    await first.stop();
    expect(first.stats()).toMatchObject({ written: 0, dropped: 0, pending: 3 });
    expect(warnings.join('\n')).not.toContain('secret');
    const second = new MqttSink('door', config, { warn: () => undefined, stopTimeoutMs: 100 });
    await second.start();
    expect(second.stats().pending).toBe(3);
    await second.stop();
  });

  it('redacts credentials in broker URLs', () => {
    expect(redactUrl('mqtts://u:p@b:8883')).toBe('mqtts://b:8883');
  });
});

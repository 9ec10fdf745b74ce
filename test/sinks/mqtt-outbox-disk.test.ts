/**
 * The outbox files when the disk fails (issue 11): the state file rewritten in place (a full disk cannot stop the
 * watermark), torn slots, the seq reservation across a crash, a failed append cut back off its segment (real
 * ENOSPC on a small tmpfs), and injected EIO.
 */
import { appendFile, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboxFiles, segmentName, type OutboxRecord } from '../../src/sinks/mqtt/outbox-files.js';
import { OutboxState, STATE_FILE } from '../../src/sinks/mqtt/outbox-state.js';
import { OutboxStream } from '../../src/sinks/mqtt/outbox-stream.js';
import { Tmpfs, tmpfsOrSkip } from './tmpfs.js';

const canMount = tmpfsOrSkip();
const record = (seq: number, payloadBytes = 10): OutboxRecord => ({ seq, atMs: 1000, topic: 't/a', payload: `{"p":"${'x'.repeat(payloadBytes)}"}` });
const dirs: string[] = [];
const mounts: Tmpfs[] = [];
const newDir = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-outbox-disk-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const mount of mounts.splice(0)) mount.unmount();
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('outbox state file', () => {
  it('is rewritten in place at a fixed size (same inode, 128 bytes), and a torn newer slot falls back to the older one', async () => {
    const dir = await newDir();
    const { state } = await OutboxState.open(dir, () => ({ watermark: 0, next: 1, clean: true }));
    const file = path.join(dir, STATE_FILE);
    const inode = (await stat(file)).ino;
    for (let w = 1; w <= 5; w++) await state.update({ watermark: w, next: 1001, clean: false });
    await state.close();
    expect(await stat(file)).toMatchObject({ ino: inode, size: 128 });
    // Generation 6 (watermark 5) is in slot 0: spoil it as a torn write would.
    const bytes = await readFile(file);
    bytes.write('9', 5, 'latin1');
    await writeFile(file, bytes);
    const again = await OutboxState.open(dir, () => ({ watermark: 0, next: 1, clean: true }));
    expect(again.found).toEqual({ watermark: 4, next: 1001, clean: false });
    await again.state.close();
  });

  it('an unreadable state file (truncated) is reported; everything on disk is replayed and the seq continues above it', async () => {
    const dir = await newDir();
    const files = new OutboxFiles(dir, 1 << 20);
    await files.open();
    await files.append([1, 2, 3].map((s) => record(s)));
    await files.settle(2);
    await files.close(4);
    await truncate(path.join(dir, STATE_FILE), 0);
    const again = new OutboxFiles(dir, 1 << 20);
    const contents = await again.open();
    expect(contents).toMatchObject({ stateUnreadable: true, watermark: 0, nextSeq: 4, crashed: false });
    expect(contents.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    await again.close(4);
    const third = new OutboxFiles(dir, 1 << 20);
    expect((await third.open()).stateUnreadable).toBeUndefined();
    await third.close();
  });

  it('takes over the watermark of the old `acked` file and removes it', async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, 'acked'), '2\n');
    await writeFile(path.join(dir, segmentName(1)), [1, 2, 3].map((s) => `${s}\t1000\tt/a\t{"p":"x"}\n`).join(''));
    const files = new OutboxFiles(dir, 1 << 20);
    expect(await files.open()).toMatchObject({ watermark: 2, nextSeq: 4, records: [{ seq: 3 }] });
    await files.close();
    expect((await readdir(dir)).sort()).toEqual([segmentName(1), STATE_FILE]);
  });
});

describe('seq numbers are never reused', () => {
  it('after a crash the seq continues at the end of the saved reservation, even when the newest messages are gone', async () => {
    const dir = await newDir();
    const files = new OutboxFiles(dir, 1 << 20);
    await files.open();
    await files.reserve(1001);
    await files.append([1, 2, 3, 4, 5].map((s) => record(s)));
    await files.close(); // no `next`: what a SIGKILL leaves
    const segment = path.join(dir, segmentName(1));
    await writeFile(segment, (await readFile(segment, 'utf8')).split('\n').slice(0, 2).join('\n') + '\n'); // seqs 3-5 lost
    const again = new OutboxFiles(dir, 1 << 20);
    expect(await again.open()).toMatchObject({ nextSeq: 1001, crashed: true, lastStored: 2, missing: [] });
    await again.close();
  });

  it('after a clean stop a truncated or removed segment leaves a gap: the missing seqs are reported and not used again', async () => {
    const dir = await newDir();
    const files = new OutboxFiles(dir, 100);
    await files.open();
    await files.reserve(1001);
    for (let seq = 1; seq <= 9; seq++) await files.append([record(seq, 120)]); // one record per segment
    await files.close(10);
    await rm(path.join(dir, segmentName(4)));
    await truncate(path.join(dir, segmentName(8)), 0);
    await rm(path.join(dir, segmentName(9)));
    const again = new OutboxFiles(dir, 100);
    const contents = await again.open();
    expect(contents).toMatchObject({ nextSeq: 10, crashed: false, missing: [[4, 4], [8, 9]] });
    expect(contents.records.map((r) => r.seq)).toEqual([1, 2, 3, 5, 6, 7]);
    await again.close();
  });
});

describe.skipIf(!canMount)('outbox files on a full disk (tmpfs)', () => {
  it('a failed append (ENOSPC) is cut back off the segment; the watermark is saved and acknowledged segments deleted on the full disk', async () => {
    const disk = Tmpfs.mount(256 * 1024);
    mounts.push(disk);
    const dir = path.join(disk.dir, 'outbox');
    const files = new OutboxFiles(dir, 16 * 1024);
    await files.open();
    await files.reserve(1001);
    let seq = 0;
    for (let i = 0; i < 8; i++) await files.append(Array.from({ length: 20 }, () => record(++seq, 200))); // 8 x ~4.7 KB
    await disk.fill();
    const segments = await disk.list('outbox', '.seg');
    const sizes = await Promise.all(segments.map(async (name) => (await stat(path.join(dir, name))).size));
    const big = Array.from({ length: 40 }, () => record(++seq, 400));
    const error = await files.append(big).then(() => undefined, (e: unknown) => e as NodeJS.ErrnoException);
    expect(error?.code).toBe('ENOSPC');
    expect(await Promise.all(segments.map(async (name) => (await stat(path.join(dir, name))).size))).toEqual(sizes);
    // The full disk takes the watermark (in place), and the segments it passes go: their space comes back.
    // (The failed append started segment 161: the second one had reached 16 KiB.)
    const before = await disk.free();
    await files.settle(120);
    expect(await disk.list('outbox', '.seg')).toEqual([segmentName(81), segmentName(161)]);
    expect(await disk.free()).toBeGreaterThan(before);
    await files.append(big); // in the space the deleted segment gave back
    await files.close(seq + 1);
    const again = new OutboxFiles(dir, 16 * 1024);
    const contents = await again.open();
    expect(contents).toMatchObject({ watermark: 120, skipped: 0, nextSeq: seq + 1, missing: [] });
    expect(contents.records.map((r) => r.seq)).toEqual(Array.from({ length: seq - 120 }, (_, i) => 121 + i));
    await again.close();
  });
});

describe('injected write errors', () => {
  it('EIO on a segment append throws and leaves the outbox readable', async () => {
    const dir = await newDir();
    let failing = false;
    const eio = Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    const files = new OutboxFiles(dir, 1 << 20, (file) => (failing && file.endsWith('.seg') ? eio : undefined));
    await files.open();
    await files.append([record(1)]);
    failing = true;
    await expect(files.append([record(2)])).rejects.toBe(eio);
    failing = false;
    await files.append([record(3)]);
    await appendFile(path.join(dir, 'unrelated'), 'x');
    await files.close(4);
    const again = new OutboxFiles(dir, 1 << 20);
    expect(await again.open()).toMatchObject({ records: [{ seq: 1 }, { seq: 3 }], missing: [[2, 2]], nextSeq: 4, skipped: 0 });
    await again.close();
  });
});

describe('outbox stream at stop', () => {
  it('messages still in memory when the disk fails are dropped at close, counted, and logged without rate limit', async () => {
    const dir = await newDir();
    const warnings: string[] = [];
    const failures: string[] = [];
    const eio = (): Error => Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
    const stream = new OutboxStream({
      dir,
      qos: 1,
      retain: false,
      segmentBytes: 1 << 20,
      config: {
        outbox: { dir, maxBytes: 1 << 20, maxAgeS: 3600 },
        deadLetter: { maxAttempts: 3, maxBytes: 1 << 20 },
        inflight: 20,
        reconnect: { initialMs: 50, maxMs: 500 },
      },
      warn: (m) => warnings.push(m),
      failed: (m) => failures.push(m),
      fault: (file) => (file.endsWith('.seg') ? eio() : undefined),
    });
    await stream.open();
    for (let i = 0; i < 10; i++) stream.enqueue('t/a', (seq) => `{"seq":${seq}}`);
    // The committer has taken seq 1; 2-10 are in memory when close() starts.
    await stream.close();
    expect(stream.counts).toMatchObject({ dropped: 10, unstored: 10, written: 0 });
    expect(warnings).toEqual([
      `1 message(s) (seq 1) not stored in the outbox ${dir}: input/output error; dropped`,
      `stopped with 9 message(s) (seq 2-10) not stored in the outbox ${dir}: input/output error; dropped`,
    ]);
    expect(stream.pending).toBe(0);
    const again = new OutboxFiles(dir, 1 << 20);
    expect(await again.open()).toMatchObject({ records: [], nextSeq: 11, crashed: false, missing: [] });
    await again.close();
  });
});

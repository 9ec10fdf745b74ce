/** The cache of model.optimize: auto (src/optimize/auto-cache.ts): safe folder, whole entries only, bounded. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_ENTRIES, OptimizeCache } from '../../src/optimize/auto-cache.js';
import type { ConversionSummary } from '../../src/optimize/convert.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-optimize-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const summary: ConversionSummary = { operators: 1, requantizedWeights: 0, widenedChannels: 0, totalChannels: 0, insertedQuantize: 2, retargetedTensors: 0, keptUint8: [] };
const sha = (n: number): string => n.toString(16).padStart(64, '0');

describe('OptimizeCache', () => {
  it('creates its folder 0700 and refuses a symlink or a folder others can write', async () => {
    const cache = new OptimizeCache(path.join(dir, 'a', 'optimize'));
    expect(await cache.prepare()).toBeUndefined();
    const open = path.join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(await new OptimizeCache(open).prepare()).toBe(`${open} is writable by other users (mode 777)`);
    const link = path.join(dir, 'link');
    symlinkSync(path.join(dir, 'a'), link);
    expect(await new OptimizeCache(link).prepare()).toBe(`${link} is not a folder`);
  });

  it('returns what was stored; a converted file changed since is a miss', async () => {
    const folder = path.join(dir, 'b');
    const cache = new OptimizeCache(folder);
    await cache.prepare();
    expect(await cache.lookup(sha(1))).toBeUndefined();
    await cache.store(sha(1), { ok: true, bytes: Uint8Array.from([1, 2, 3]), summary });
    await cache.store(sha(2), { ok: false, reason: 'not a uint8-quantised model' });
    expect(await cache.lookup(sha(1))).toEqual({ ok: true, bytes: Uint8Array.from([1, 2, 3]), summary });
    expect(await cache.lookup(sha(2))).toEqual({ ok: false, reason: 'not a uint8-quantised model' });
    writeFileSync(path.join(folder, `${sha(1)}-r1.tflite`), Uint8Array.from([1, 2]));
    expect(await cache.lookup(sha(1))).toBeUndefined();
    expect(readdirSync(folder).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it(`keeps the ${MAX_ENTRIES} entries used last`, async () => {
    const folder = path.join(dir, 'c');
    const cache = new OptimizeCache(folder);
    await cache.prepare();
    for (let i = 1; i <= MAX_ENTRIES; i += 1) {
      await cache.store(sha(i), { ok: true, bytes: Uint8Array.from([i]), summary });
      // mtime is the last use: entry i used i minutes ago... in reverse, so 1 is the oldest.
      const t = new Date(Date.now() - (MAX_ENTRIES + 1 - i) * 60_000);
      utimesSync(path.join(folder, `${sha(i)}-r1.json`), t, t);
    }
    // Entry 1 is used again (a hit touches it): entry 2 is now the least recently used.
    expect(await cache.lookup(sha(1))).toBeDefined();
    await cache.store(sha(99), { ok: true, bytes: Uint8Array.from([99]), summary });
    const kept = new Set(readdirSync(folder).map((n) => n.slice(0, 64)));
    expect(kept.has(sha(2))).toBe(false);
    expect([...kept].sort()).toEqual([sha(1), sha(3), sha(4), sha(99)].sort());
  });
});

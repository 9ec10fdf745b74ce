/** The live view's snapshot ring: bounded in count and bytes, oldest evicted first and counted, ids unguessable. */
import { describe, expect, it } from 'vitest';
import { EVENT_SNAPSHOT_LIMITS, SnapshotStore } from '../../src/live/snapshot-store.js';

describe('SnapshotStore', () => {
  it('evicts the oldest beyond maxCount, counting each', () => {
    const store = new SnapshotStore({ maxCount: 3, maxBytes: 1000, maxPictureBytes: 100 });
    const ids = [1, 2, 3, 4, 5].map((n) => store.add(Buffer.alloc(10, n))!);
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(5);
    expect(ids.map((id) => store.get(id)?.[0])).toEqual([undefined, undefined, 3, 4, 5]);
    expect(store.counts).toEqual({ kept: 5, evicted: 2, refused: 0 });
    expect([store.size, store.heldBytes]).toEqual([3, 30]);
  });

  it('evicts the oldest until the bytes fit, and refuses a picture larger than maxPictureBytes', () => {
    const store = new SnapshotStore({ maxCount: 10, maxBytes: 250, maxPictureBytes: 100 });
    const a = store.add(Buffer.alloc(100))!;
    const b = store.add(Buffer.alloc(100))!;
    const c = store.add(Buffer.alloc(60))!;
    expect([store.has(a), store.has(b), store.has(c), store.heldBytes]).toEqual([false, true, true, 160]);
    expect(store.add(Buffer.alloc(101))).toBeUndefined();
    expect(store.counts).toEqual({ kept: 3, evicted: 1, refused: 1 });
    expect(store.heldBytes).toBe(160);
  });

  it("keeps more track events' pictures than the page lists (50), within 64 x 48 KiB", () => {
    expect(EVENT_SNAPSHOT_LIMITS.maxCount).toBeGreaterThanOrEqual(50);
    expect(EVENT_SNAPSHOT_LIMITS.maxBytes).toBeGreaterThanOrEqual(EVENT_SNAPSHOT_LIMITS.maxCount * 48 * 1024);
  });
});

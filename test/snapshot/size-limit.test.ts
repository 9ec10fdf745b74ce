/** Fitting a snapshot under maxBytes: quality first, then halving the size, then giving up. */
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/result.js';
import { annotatedSnapshot, renderSnapshot, snapshotWidths } from '../../src/snapshot/annotate.js';
import { decode, noiseRgb } from './images.js';

const frame = { kind: 'raw', format: 'rgb24', width: 640, height: 480, data: noiseRgb(640, 480) } as const;
const result: Result = { kind: 'detect', objects: [{ index: 0, label: 'person', score: 0.9, box: { x: 100, y: 100, width: 200, height: 200 } }] };

describe('snapshot size limit', () => {
  it('tries the capped width, then halves down to 160 px', () => {
    expect(snapshotWidths(640, 1280)).toEqual([640, 320, 160]);
    expect(snapshotWidths(1920, 1280)).toEqual([1280, 640, 320, 160]);
    expect(snapshotWidths(500, 1280)).toEqual([500, 250, 160]);
    expect(snapshotWidths(100, 1280)).toEqual([100]);
  });

  it('lowers the quality before the size', async () => {
    const full = await renderSnapshot(frame, result, { maxBytes: 10_000_000 });
    if (!('jpeg' in full)) throw new Error(full.error);
    expect(full).toMatchObject({ width: 640, quality: 80 });
    const lower = await renderSnapshot(frame, result, { maxBytes: full.jpeg.byteLength - 1 });
    if (!('jpeg' in lower)) throw new Error(lower.error);
    expect(lower.width).toBe(640);
    expect(lower.quality).toBeLessThan(80);
    expect(lower.jpeg.byteLength).toBeLessThan(full.jpeg.byteLength);
  });

  it('halves the size when no quality fits, and the JPEG is within maxBytes', async () => {
    const maxBytes = 30_000;
    const outcome = await renderSnapshot(frame, result, { maxBytes });
    if (!('jpeg' in outcome)) throw new Error(outcome.error);
    expect(outcome.jpeg.byteLength).toBeLessThanOrEqual(maxBytes);
    expect(outcome.width).toBeLessThan(640);
    expect(outcome.width).toBeGreaterThanOrEqual(160);
    const image = await decode(outcome.jpeg);
    expect([image.width, image.height]).toEqual([outcome.width, outcome.height]);
    expect(outcome.height).toBe(Math.round((480 * outcome.width) / 640));
  });

  it('gives undefined when even 160 px at the lowest quality is too large', async () => {
    expect(await annotatedSnapshot(frame, result, { maxBytes: 300 })).toBeUndefined();
    const outcome = await renderSnapshot(frame, result, { maxBytes: 300 });
    expect('error' in outcome && outcome.error).toMatch(/^snapshot: no version fits in 300 bytes \(the smallest try, 160 px wide, took \d+ bytes\)$/);
  });
});

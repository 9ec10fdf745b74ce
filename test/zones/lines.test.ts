/**
 * Directed lines on synthetic tracks: crossings both ways with the documented direction, jitter on the line
 * (hysteresis band), walking around the line's end, classes, fractions and the per-line counts.
 */
import { describe, expect, it } from 'vitest';
import { ZoneEngine } from '../../src/zones/zone-engine.js';
import type { LineSpec } from '../../src/zones/types.js';
import { play, stay, walk } from './scene.js';

/** Horizontal, from A (100, 240) to B (540, 240): standing on A facing B, the top of the frame is on the left. */
const gate: LineSpec = { name: 'gate', points: [[100, 240], [540, 240]] };
const crossings = (events: ReadonlyArray<{ type: string }>): Array<[number, string, number]> =>
  events.filter((e) => e.type === 'line_cross').map((e) => {
    const c = e as unknown as { trackId: number; direction: string; frame: number };
    return [c.trackId, c.direction, c.frame];
  });

describe('lines', () => {
  it('crossing downwards (left of A->B to right) is in, upwards is out; counted per label', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [gate] });
    const down = walk([[300, 100], [300, 400]], 10); // y 100, 110, ..., 400
    const up = walk([[200, 400], [200, 100]], 10);
    const events = play(engine, { 1: { path: down }, 2: { path: up, label: 'car' } });
    // Ground truth: the first position at least 4 px (the hysteresis) past y 240: down y 250 (index 15), up y 230 (index 17).
    expect(crossings(events)).toEqual([[1, 'in', 15], [2, 'out', 17]]);
    expect(events[0]).toMatchObject({ type: 'line_cross', line: 'gate', label: 'person', pipeline: 'p' });
    expect(engine.snapshot().lines).toEqual({ gate: { car: { in: 0, out: 1 }, person: { in: 1, out: 0 } } });
  });

  it('jitter inside the hysteresis band never counts; a real crossing afterwards counts once', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [gate] });
    const jitter = (n: number, y: number): Array<[number, number]> => Array.from({ length: n }, (_, i) => [300, i % 2 === 0 ? y + 3 : y - 3]);
    const path = [...walk([[300, 180], [300, 240]], 10), ...jitter(50, 240), ...walk([[300, 240], [300, 300]], 10), ...jitter(50, 240)];
    const events = play(engine, { 1: { path } });
    expect(crossings(events)).toEqual([[1, 'in', 7 + 50 + 1]]);
  });

  it('the same jitter with no band (hysteresis_px 0) counts every swing, so the band is what prevents it', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [{ ...gate, hysteresisPx: 0 }] });
    const path: Array<[number, number]> = Array.from({ length: 20 }, (_, i) => [300, i % 2 === 0 ? 243 : 237]);
    expect(crossings(play(engine, { 1: { path } }))).toHaveLength(19);
  });

  it('walking around the end of the line changes side without crossing it', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [gate] });
    // Down at x 600, beyond B (x 540), then back along the bottom: the anchor goes from above to below, not through.
    const path = walk([[400, 100], [600, 100], [600, 400], [400, 400]], 10);
    expect(crossings(play(engine, { 1: { path } }))).toEqual([]);
  });

  it('a jump across the line between two updates (a fast car, a low frame rate) still counts', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [gate] });
    expect(crossings(play(engine, { 1: { path: [[300, 100], [300, 400]] } }))).toEqual([[1, 'in', 1]]);
  });

  it('a track that starts on the line counts once it leaves the band on one side and then crosses', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [gate] });
    const path = [...stay(300, 241, 5), ...walk([[300, 241], [300, 300]], 10), ...walk([[300, 300], [300, 150]], 10)];
    // Down off the line: the side becomes known (right), no crossing; then up through it: out.
    expect(crossings(play(engine, { 1: { path } })).map(([, d]) => d)).toEqual(['out']);
  });

  it('classes and fraction coordinates', () => {
    const engine = new ZoneEngine({ pipeline: 'p', lines: [{ name: 'road', points: [[0.5, 0], [0.5, 1]], units: 'fraction', classes: ['car'] }] });
    // Vertical line at x 320 from top to bottom: facing down the frame, the left is +x. Rightwards is out.
    const right = walk([[100, 300], [500, 300]], 20);
    const events = play(engine, { 1: { path: right, label: 'car' }, 2: { path: right, label: 'person' } });
    // x 100 + 20 i: x 320 (index 11) is on the line, x 340 (index 12) the first past the band.
    expect(crossings(events)).toEqual([[1, 'out', 12]]);
    expect(engine.snapshot().lines).toEqual({ road: { car: { in: 0, out: 1 } } });
  });
});

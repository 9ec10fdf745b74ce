/**
 * The zone engine on synthetic tracks with known ground truth (test/zones/scene.ts: 10 updates per second, boxes
 * 40x100 px whose bottom centre follows a path): entering with inertia, jitter on the edge, loitering, leaving,
 * tracks that end inside, classes, fraction coordinates, counts.
 */
import { describe, expect, it } from 'vitest';
import { ZoneEngine } from '../../src/zones/zone-engine.js';
import type { ZoneSpec } from '../../src/zones/types.js';
import { FRAME, STEP_MS, T0, play, stay, walk } from './scene.js';

/** x 200..440, y 200..400 on a 640x480 frame. */
const door: ZoneSpec = { name: 'door', points: [[200, 200], [440, 200], [440, 400], [200, 400]], classes: ['person'], minTimeS: 0.5, leaveS: 1 };
const summary = (events: ReadonlyArray<{ type: string; frame: number; trackId: number }>): Array<[string, number, number]> =>
  events.map((e) => [e.type, e.trackId, e.frame]);
/** First index of `path` whose x satisfies `test`. */
const firstIndex = (path: Array<[number, number]>, test: (x: number) => boolean): number => path.findIndex(([x]) => test(x));

describe('zone engine', () => {
  it('a person walks in, stands, walks out: one enter after min_time_s inside, one leave after leave_s outside', () => {
    const engine = new ZoneEngine({ pipeline: 'door-cam', zones: [door] });
    // Starts at x 105: no position falls exactly on an edge (where either answer is right).
    const path = [...walk([[105, 300], [325, 300]], 10), ...stay(325, 300, 30), ...walk([[325, 300], [605, 300]], 10).slice(1)];
    const firstInside = firstIndex(path, (x) => x > 200);
    const lastInside = path.length - 1 - [...path].reverse().findIndex(([x]) => x < 440);
    const firstOutside = lastInside + 1;
    const events = play(engine, { 7: { path } }, 5);
    // min_time_s 0.5 = 5 updates after the first inside; leave_s 1 = 10 updates after the first outside.
    expect(summary(events)).toEqual([
      ['zone_enter', 7, firstInside + 5],
      ['zone_leave', 7, firstOutside + 10],
    ]);
    expect(events[0]).toMatchObject({ pipeline: 'door-cam', label: 'person', zone: 'door', insideSinceMs: T0 + firstInside * STEP_MS, atMs: T0 + (firstInside + 5) * STEP_MS, firstSeenMs: T0 });
    expect(events[1]).toMatchObject({ reason: 'left', insideSinceMs: T0 + firstInside * STEP_MS, dwellMs: (lastInside - firstInside) * STEP_MS });
    expect(engine.snapshot().zones).toEqual({ door: { person: { count: 0, entries: 1 } } });
  });

  it('counts: inside now while the visit lasts, entries as a running total', () => {
    const engine = new ZoneEngine({ pipeline: 'p', zones: [door] });
    const inside = (_id: number, start: number) => ({ path: [...walk([[110, 300], [310, 300]], 20), ...stay(300, 300, 20)], start });
    const counts: number[] = [];
    for (let frame = 0; frame < 60; frame++) {
      const subjects = [inside(1, 0), inside(2, 10)]
        .filter((t) => frame >= t.start && frame < t.start + t.path.length)
        .map((t, i) => ({ id: i + 1, label: 'person', score: 0.9, box: { x: t.path[frame - t.start]![0] - 20, y: t.path[frame - t.start]![1] - 100, width: 40, height: 100 } }));
      engine.update(subjects, { atMs: T0 + frame * STEP_MS, frame: FRAME });
      counts.push(engine.count('door', 'person'));
    }
    // Track 1 inside from frame 5 (x 210), entered at 10; track 2 from 15, entered at 20; the paths end at 31 and 41.
    expect(counts.indexOf(1)).toBe(10);
    expect(counts.indexOf(2)).toBe(20);
    expect(counts.slice(31)).toEqual([...Array(10).fill(1), ...Array(19).fill(0)]);
    expect(engine.snapshot().zones['door']).toEqual({ person: { count: 0, entries: 2 } });
  });

  it('an anchor jittering on the edge enters once and does not leave (the leave time absorbs the spells outside)', () => {
    const engine = new ZoneEngine({ pipeline: 'p', zones: [door] });
    // Walk to the left edge (x 200), then 60 updates alternating 3 px either side of it, then stand inside.
    const jitter = Array.from({ length: 60 }, (_, i): [number, number] => [i % 2 === 0 ? 203 : 197, 300]);
    const path = [...walk([[100, 300], [250, 300]], 10), ...jitter, ...stay(250, 300, 20)];
    const events = play(engine, { 1: { path } });
    expect(events.filter((e) => e.type === 'zone_enter')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'zone_leave')).toHaveLength(0);
    expect(engine.count('door')).toBe(1);
  });

  it('without the leave time the same jitter would enter again and again (the setting is what prevents it)', () => {
    const engine = new ZoneEngine({ pipeline: 'p', zones: [{ ...door, minTimeS: 0, leaveS: 0 }] });
    const jitter = Array.from({ length: 60 }, (_, i): [number, number] => [i % 2 === 0 ? 203 : 197, 300]);
    const events = play(engine, { 1: { path: [...walk([[100, 300], [250, 300]], 10), ...jitter] } });
    expect(events.filter((e) => e.type === 'zone_enter').length).toBeGreaterThan(20);
  });

  it('min_time_s: a person cutting a corner for 0.3 s never enters', () => {
    const engine = new ZoneEngine({ pipeline: 'p', zones: [door] });
    // Vertical walk at x 210: inside (y 200..400) for 3 updates at 100 px per update... at 70 px/update: y 150, 220, 290, 360, 430.
    const path = walk([[210, 150], [210, 430]], 70);
    expect(path.filter(([, y]) => y > 200 && y < 400)).toHaveLength(3);
    expect(play(engine, { 1: { path } }, 20)).toEqual([]);
    expect(engine.snapshot().zones['door']).toEqual({ person: { count: 0, entries: 0 } });
  });

  it('loitering: one event once the visit lasts loiter_s, not repeated', () => {
    const engine = new ZoneEngine({ pipeline: 'p', zones: [{ ...door, minTimeS: 1, loiterS: 10 }] });
    const path = [...walk([[110, 300], [310, 300]], 20), ...stay(310, 300, 200)];
    const firstInside = firstIndex(path, (x) => x > 200);
    const events = play(engine, { 3: { path } });
    expect(summary(events)).toEqual([
      ['zone_enter', 3, firstInside + 10],
      ['loitering', 3, firstInside + 100],
    ]);
    expect(events[1]).toMatchObject({ zone: 'door', dwellMs: 10_000, insideSinceMs: T0 + firstInside * STEP_MS });
  });

  it('a track that ends inside (the tracker lost it) leaves with reason track_ended at the next update', () => {
    const engine = new ZoneEngine({ pipeline: 'p', zones: [door] });
    const path = [...walk([[100, 300], [300, 300]], 20), ...stay(300, 300, 10)];
    // Another track keeps the updates coming after track 1 is gone.
    const events = play(engine, { 1: { path }, 2: { path: stay(600, 50, path.length + 3) } });
    const leave = events.find((e) => e.type === 'zone_leave');
    expect(leave).toMatchObject({ trackId: 1, reason: 'track_ended', frame: path.length });
    expect(engine.count('door')).toBe(0);
    // Track 1's state is released; track 2 is still followed.
    expect(engine.trackCount).toBe(1);
  });

  it('classes: a car in a person zone raises nothing; a zone without classes counts every label apart', () => {
    const all: ZoneSpec = { name: 'yard', points: door.points };
    const engine = new ZoneEngine({ pipeline: 'p', zones: [door, all] });
    const path = [...walk([[100, 300], [300, 300]], 20), ...stay(300, 300, 10)];
    const events = play(engine, { 1: { path, label: 'car' }, 2: { path, label: 'person' } });
    expect(events.map((e) => [e.type, 'zone' in e ? e.zone : '', e.label])).toEqual([
      // yard has no min_time_s: both enter at the first update inside; door waits its 0.5 s.
      ['zone_enter', 'yard', 'car'],
      ['zone_enter', 'yard', 'person'],
      ['zone_enter', 'door', 'person'],
    ]);
    expect(engine.snapshot().zones).toEqual({
      door: { person: { count: 1, entries: 1 } },
      yard: { car: { count: 1, entries: 1 }, person: { count: 1, entries: 1 } },
    });
  });

  it('anchor: bottom_centre by default (where a person stands), centre on request', () => {
    // A person whose feet are below the zone (y 420) but whose box centre (y 370) is inside.
    const engineFeet = new ZoneEngine({ pipeline: 'p', zones: [{ ...door, minTimeS: 0 }] });
    const engineCentre = new ZoneEngine({ pipeline: 'p', zones: [{ ...door, minTimeS: 0, anchor: 'centre' }] });
    expect(play(engineFeet, { 1: { path: stay(300, 420, 3) } })).toEqual([]);
    expect(summary(play(engineCentre, { 1: { path: stay(300, 420, 3) } }))).toEqual([['zone_enter', 1, 0]]);
  });

  it('fraction coordinates give the same events as the same zone in pixels, and follow a change of frame size', () => {
    const fractions: ZoneSpec = { ...door, units: 'fraction', points: door.points.map(([x, y]) => [x / FRAME.width, y / FRAME.height] as const) };
    const path = [...walk([[100, 300], [320, 300]], 10), ...stay(320, 300, 30), ...walk([[320, 300], [600, 300]], 10)];
    const px = play(new ZoneEngine({ pipeline: 'p', zones: [door] }), { 1: { path } }, 12);
    const frac = play(new ZoneEngine({ pipeline: 'p', zones: [fractions] }), { 1: { path } }, 12);
    expect(summary(frac)).toEqual(summary(px));
    expect(frac).toHaveLength(2);
    // On a 1280x960 frame the fraction zone spans x 400..880: an anchor at x 300 is now outside, at 600 inside.
    const engine = new ZoneEngine({ pipeline: 'p', zones: [{ ...fractions, minTimeS: 0 }] });
    const big = { width: 1280, height: 960 };
    const person = (x: number) => [{ id: 1, label: 'person', score: 0.9, box: { x: x - 20, y: 500, width: 40, height: 100 } }];
    expect(engine.update(person(300), { atMs: T0, frame: big })).toEqual([]);
    expect(engine.update(person(600), { atMs: T0 + 100, frame: big }).map((e) => e.type)).toEqual(['zone_enter']);
  });

  it('refuses what the config refuses: duplicate names, a zone of 2 points', () => {
    expect(() => new ZoneEngine({ pipeline: 'p', zones: [door], lines: [{ name: 'door', points: [[0, 0], [10, 10]] }] })).toThrow(
      'lines[0]: the name "door" is already used by zones[0]; names must be unique',
    );
    const engine = new ZoneEngine({ pipeline: 'p', zones: [{ name: 'thin', points: [[0, 0], [10, 10]] }] });
    expect(() => engine.update([], { atMs: T0, frame: FRAME })).toThrow(
      'zone thin: points: a zone needs at least 3 points (a polygon), received 2; use a line for a tripwire',
    );
  });
});

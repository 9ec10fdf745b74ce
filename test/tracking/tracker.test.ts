import { describe, expect, it } from 'vitest';
import type { DetectedObject } from '../../src/postprocess/types.js';
import { munkres } from 'munkres';
import { assign } from '../../src/tracking/assign.js';
import { mulberry32 } from '../../src/sources/synthetic-patterns.js';
import { BoxKalman } from '../../src/tracking/kalman.js';
import { Tracker } from '../../src/tracking/tracker.js';
import type { TrackEvent, TrackerOptions } from '../../src/tracking/types.js';

const wall0 = 1_700_000_000_000;
const person = (x: number, y = 100, score = 0.9, w = 50, h = 120): DetectedObject => ({
  index: 0, label: 'person', score, box: { x, y, width: w, height: h },
});
const dog = (x: number, y = 100, score = 0.9): DetectedObject => ({ index: 17, label: 'dog', score, box: { x, y, width: 50, height: 120 } });

/** Feeds frames at the given monotonic ms; returns all events and the last update. */
function run(tracker: Tracker, frames: Array<[number, DetectedObject[]]>) {
  const events: TrackEvent[] = [];
  let last = tracker.update({ frameId: -1, monoMs: frames[0]![0], wallMs: wall0, objects: [] });
  frames.forEach(([ms, objects], i) => {
    last = tracker.update({ frameId: i, monoMs: ms, wallMs: wall0 + ms, objects });
    events.push(...last.events);
  });
  return { events, last };
}

const kinds = (events: TrackEvent[]) => events.map((e) => `${e.kind}#${e.track.id}`);

describe('Tracker lifecycle', () => {
  it('confirms a track after min_hits matched detections and gives ids 1, 2 in order of confirmation', () => {
    const tracker = new Tracker({ minHits: 3 });
    const frames: Array<[number, DetectedObject[]]> = [0, 100, 200, 300].map((ms, i) => [ms, [person(10 + i * 5), person(400 - i * 5, 300)]]);
    const { events, last } = run(tracker, frames);
    expect(kinds(events)).toEqual(['start#1', 'start#2']);
    expect(events[0]!.atMs).toBe(wall0 + 200);
    expect(last.tracks.map((t) => t.id)).toEqual([1, 2]);
    expect(last.tracks[0]).toMatchObject({ label: 'person', hits: 4, matched: true, firstSeenMs: wall0, lastSeenMs: wall0 + 300 });
  });

  it('ends a track when it is not seen for max_age_ms of monotonic time, however many frames that is', () => {
    const tracker = new Tracker({ minHits: 1, maxAgeMs: 1000 });
    const seen: Array<[number, DetectedObject[]]> = [[0, [person(10)]], [100, [person(12)]]];
    // Two frames 0.9 s apart (motion gating skipped the rest): still alive; then one at 1.2 s: ended.
    const a = run(tracker, [...seen, [1000, []]]);
    expect(kinds(a.events)).toEqual(['start#1']);
    const b = tracker.update({ frameId: 9, monoMs: 1101, wallMs: wall0 + 1101, objects: [] });
    expect(kinds(b.events)).toEqual(['end#1']);
    expect(b.events[0]!.atMs).toBe(wall0 + 100);
    expect(b.tracks).toEqual([]);
  });

  it('drops a tentative track without an event', () => {
    const tracker = new Tracker({ minHits: 3, tentativeMaxAgeMs: 500 });
    const { events, last } = run(tracker, [[0, [person(10)]], [100, [person(12)]], [700, []], [800, [person(400, 300)]]]);
    expect(events).toEqual([]);
    expect(last.tracks).toEqual([]);
  });

  it('low-score detections keep a confirmed track alive but never start one', () => {
    const tracker = new Tracker({ minHits: 2, maxAgeMs: 500, highThreshold: 0.5, lowThreshold: 0.1 });
    const frames: Array<[number, DetectedObject[]]> = [[0, [person(10)]], [100, [person(15)]]];
    // 2 s of low scores at the track, and a low-score stranger elsewhere the whole time.
    for (let ms = 200; ms <= 2200; ms += 100) frames.push([ms, [person(10 + ms / 20, 100, 0.3), person(500, 300, 0.3)]]);
    const { events, last } = run(tracker, frames);
    expect(kinds(events)).toEqual(['start#1']);
    expect(last.tracks).toHaveLength(1);
    expect(last.tracks[0]).toMatchObject({ id: 1, matched: true, score: 0.3, bestScore: 0.9 });
  });

  it('follows a track through a 1 s occlusion with its motion model and keeps its id', () => {
    const tracker = new Tracker({ minHits: 3, maxAgeMs: 2000 });
    const frames: Array<[number, DetectedObject[]]> = [];
    for (let ms = 0; ms <= 4000; ms += 100) {
      const hidden = ms > 1500 && ms < 2600;
      frames.push([ms, hidden ? [] : [person(20 + ms * 0.1)]]); // 100 px/s: 110 px while hidden, 2 box widths
    }
    const { events, last } = run(tracker, frames);
    expect(kinds(events)).toEqual(['start#1']);
    expect(last.tracks[0]!.velocity.x).toBeCloseTo(100, -1);
    expect(Math.abs(last.tracks[0]!.velocity.y)).toBeLessThan(5);
  });

  it('per-class matching keeps a dog and a person at the same place apart; class-agnostic takes the most frequent label', () => {
    const perClass = run(new Tracker({ minHits: 1, match: 'class' }), [[0, [person(10)]], [100, [dog(12)]], [200, [dog(14)]]]);
    expect(kinds(perClass.events)).toEqual(['start#1', 'start#2']);

    const any = run(new Tracker({ minHits: 1, match: 'any' }), [[0, [person(10)]], [100, [dog(12)]], [200, [dog(14)]], [300, [person(16)]], [400, [dog(18)]]]);
    expect(kinds(any.events)).toEqual(['start#1']);
    expect(any.last.tracks[0]).toMatchObject({ index: 17, label: 'dog' });
  });

  it('reports stationary (with since), moving, and removed after the end of a stationary track', () => {
    const options: Partial<TrackerOptions> = { minHits: 2, maxAgeMs: 1000, stationary: { windowMs: 3000, maxMove: 0.1 } };
    const tracker = new Tracker(options);
    const frames: Array<[number, DetectedObject[]]> = [];
    // Walks in for 1 s, stands (with 2 px of jitter) for 5 s, walks on for 1 s, stands 4 s, then leaves the view.
    for (let ms = 0; ms < 1000; ms += 100) frames.push([ms, [person(ms * 0.2)]]);
    for (let ms = 1000; ms < 6000; ms += 100) frames.push([ms, [person(200 + ((ms / 100) % 2) * 2)]]);
    for (let ms = 6000; ms < 7000; ms += 100) frames.push([ms, [person(200 + (ms - 6000) * 0.2)]]);
    for (let ms = 7000; ms < 11000; ms += 100) frames.push([ms, [person(400)]]);
    frames.push([12500, []]);
    const { events } = run(tracker, frames);
    expect(events.map((e) => e.kind)).toEqual(['start', 'stationary', 'moving', 'stationary', 'end', 'removed']);
    const [, still, moving, still2, end] = events;
    expect(still!.atMs).toBe(wall0 + 4000);
    expect(still!.track.stationarySinceMs).toBe(wall0 + 1000);
    expect(moving!.track.stationary).toBe(false);
    expect(moving!.atMs).toBeGreaterThanOrEqual(wall0 + 6000);
    expect(still2!.track.stationarySinceMs).toBeGreaterThanOrEqual(wall0 + 7000);
    expect(end!.atMs).toBe(wall0 + 10900);
  });

  it('records the frame of the best score since confirmation and says when it improved', () => {
    const tracker = new Tracker({ minHits: 2 });
    const scores = [0.95, 0.6, 0.7, 0.65, 0.8, 0.75];
    const improved: Array<[number, number[]]> = [];
    scores.forEach((score, i) => {
      const u = tracker.update({ frameId: 100 + i, monoMs: i * 100, wallMs: wall0 + i * 100, objects: [person(10 + i, 100, score)] });
      improved.push([100 + i, u.bestImproved]);
    });
    // Confirmed on frame 101 (its best so far), then better on 102 and 104.
    expect(improved.filter(([, ids]) => ids.length > 0).map(([f]) => f)).toEqual([101, 102, 104]);
    const t = tracker.tracks[0]!;
    expect(t.best).toMatchObject({ frameId: 104, score: 0.8, wallMs: wall0 + 400 });
    expect(t.bestScore).toBe(0.95);
    const ended = tracker.finish();
    expect(ended.map((e) => e.kind)).toEqual(['end']);
    expect(ended[0]!.track.best.frameId).toBe(104);
  });

  it('leaves out and counts detections with a non-finite coordinate or score or an empty box', () => {
    const tracker = new Tracker({ minHits: 1 });
    const bad: DetectedObject[] = [
      { index: 0, score: Number.NaN, box: { x: 1, y: 1, width: 5, height: 5 } },
      { index: 0, score: 0.9, box: { x: Number.POSITIVE_INFINITY, y: 1, width: 5, height: 5 } },
      { index: 0, score: 0.9, box: { x: 1, y: 1, width: 0, height: 5 } },
    ];
    const u = tracker.update({ frameId: 0, monoMs: 0, wallMs: wall0, objects: [...bad, person(10)] });
    expect(u.unusable).toBe(3);
    expect(u.tracks).toHaveLength(1);
    expect(Number.isFinite(tracker.update({ frameId: 1, monoMs: 100, wallMs: wall0 + 100, objects: [person(12)] }).tracks[0]!.box.x)).toBe(true);
  });

  it('treats a frame older than the previous one as taken at the same time', () => {
    const tracker = new Tracker({ minHits: 1 });
    tracker.update({ frameId: 0, monoMs: 1000, wallMs: wall0, objects: [person(10)] });
    const u = tracker.update({ frameId: 1, monoMs: 500, wallMs: wall0 + 1, objects: [person(11)] });
    expect(u.tracks.map((t) => t.id)).toEqual([1]);
    expect(Number.isFinite(u.tracks[0]!.velocity.x)).toBe(true);
  });
});

describe('BoxKalman', () => {
  it('estimates velocity in px/s from irregular time steps', () => {
    const k = new BoxKalman({ x: 0, y: 0, width: 40, height: 80 });
    let t = 0;
    for (const dt of [0.1, 0.1, 0.5, 0.1, 0.3, 0.1, 0.1, 0.6, 0.1, 0.1, 0.2, 0.1]) {
      t += dt;
      k.predict(dt);
      k.update({ x: 60 * t, y: -30 * t, width: 40, height: 80 });
    }
    expect(k.velocity().x).toBeCloseTo(60, 0);
    expect(k.velocity().y).toBeCloseTo(-30, 0);
    k.predict(1);
    expect(k.box().x).toBeCloseTo(60 * (t + 1), -1);
  });
});

describe('assign', () => {
  it('finds the optimal matching, not the greedy one, and never a pair above the cost ceiling', () => {
    // Greedy would take (0,0) at 0.1 and leave row 1 with 0.95; optimal: (0,1) + (1,0).
    const result = assign([[0.1, 0.2], [0.3, 0.95]], 2, 2, 0.9);
    expect(result.matches.sort()).toEqual([[0, 1], [1, 0]]);
    const gated = assign([[0.95, Infinity], [0.5, 0.96]], 2, 2, 0.9);
    expect(gated).toEqual({ matches: [[1, 0]], unmatchedRows: [0], unmatchedColumns: [1] });
    expect(assign([], 0, 3, 0.5)).toEqual({ matches: [], unmatchedRows: [], unmatchedColumns: [0, 1, 2] });
  });

  it('solving each connected component apart gives the optimum of the whole matrix', () => {
    const next = mulberry32(11);
    const random = () => next() / 2 ** 32;
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(random() * 12);
      const columns = 1 + Math.floor(random() * 12);
      const density = random() * 0.5;
      const cost = Array.from({ length: rows }, () => Array.from({ length: columns }, () => (random() < density ? random() * 0.8 : Infinity)));
      const split = assign(cost, rows, columns, 0.8);
      // Reference: one Hungarian solve of the whole gated matrix.
      const whole = munkres(cost.map((row) => row.map((c) => (c <= 0.8 ? c : 1000)))).filter(([r, c]) => cost[r]![c]! <= 0.8);
      const total = (pairs: ReadonlyArray<readonly [number, number]>) => pairs.reduce((sum, [r, c]) => sum + cost[r]![c]!, 0);
      expect(split.matches.length, `trial ${trial}`).toBe(whole.length);
      expect(total(split.matches)).toBeCloseTo(total(whole), 9);
      expect(split.unmatchedRows.length + split.matches.length).toBe(rows);
      expect(split.unmatchedColumns.length + split.matches.length).toBe(columns);
    }
  });
});

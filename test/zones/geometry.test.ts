/** Geometry and the spec checks behind the config's zone errors (exact messages: users read them). */
import { describe, expect, it } from 'vitest';
import { anchorOf, pointInPolygon, selfIntersection, signedDistance, toPixels } from '../../src/zones/geometry.js';
import { duplicateNames, lineProblems, zoneProblems } from '../../src/zones/resolve.js';
import { ZoneCounts } from '../../src/zones/counts.js';

const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];

describe('geometry', () => {
  it('point in polygon, convex and concave', () => {
    expect(pointInPolygon({ x: 5, y: 5 }, square)).toBe(true);
    expect(pointInPolygon({ x: 15, y: 5 }, square)).toBe(false);
    // An L shape: the notch (7, 3) is outside.
    const l = [{ x: 0, y: 0 }, { x: 5, y: 0 }, { x: 5, y: 5 }, { x: 10, y: 5 }, { x: 10, y: 10 }, { x: 0, y: 10 }];
    expect(pointInPolygon({ x: 7, y: 3 }, l)).toBe(false);
    expect(pointInPolygon({ x: 7, y: 7 }, l)).toBe(true);
    expect(pointInPolygon({ x: 2, y: 2 }, l)).toBe(true);
  });

  it('anchors: bottom centre and centre of a box', () => {
    expect(anchorOf({ x: 10, y: 20, width: 40, height: 100 }, 'bottom_centre')).toEqual({ x: 30, y: 120 });
    expect(anchorOf({ x: 10, y: 20, width: 40, height: 100 }, 'centre')).toEqual({ x: 30, y: 70 });
  });

  it('signed distance: right of A->B on screen (y down) is positive', () => {
    expect(signedDistance({ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 5, y: 3 })).toBe(3);
    expect(signedDistance({ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 5, y: -2 })).toBe(-2);
  });

  it('self-intersection: a bow tie crosses itself, a square does not', () => {
    expect(selfIntersection(square)).toBeUndefined();
    expect(selfIntersection([{ x: 0, y: 0 }, { x: 10, y: 10 }, { x: 10, y: 0 }, { x: 0, y: 10 }])).toEqual([0, 2]);
  });

  it('fractions scale by the frame size', () => {
    expect(toPixels([[0.5, 0.25], [1, 1]], 'fraction', { width: 640, height: 480 })).toEqual([{ x: 320, y: 120 }, { x: 640, y: 480 }]);
    expect(toPixels([[3, 4]], 'pixels', { width: 640, height: 480 })).toEqual([{ x: 3, y: 4 }]);
  });
});

describe('zone and line checks', () => {
  const frame = { width: 640, height: 480 };
  it('fewer than 3 points', () => {
    expect(zoneProblems({ name: 'z', points: [[0, 0], [5, 5]] })).toEqual([
      { field: 'points', message: 'a zone needs at least 3 points (a polygon), received 2; use a line for a tripwire' },
    ]);
  });

  it('a self-intersecting polygon names the two edges', () => {
    expect(zoneProblems({ name: 'z', points: [[0, 0], [100, 100], [100, 0], [0, 100]] })).toEqual([
      {
        field: 'points',
        message: 'the polygon crosses itself: the edge from points[0] to points[1] crosses the edge from points[2] to points[3]; list the points in order around the zone',
      },
    ]);
  });

  it('points outside the frame: pixels when the frame size is known, fractions always', () => {
    expect(zoneProblems({ name: 'z', points: [[0, 0], [700, 0], [700, 400]] }, frame)).toEqual([
      { field: 'points[1]', message: '[700, 0] is outside the frame; expected pixels with x 0..640, y 0..480 (the source\'s 640x480 frame)' },
      { field: 'points[2]', message: '[700, 400] is outside the frame; expected pixels with x 0..640, y 0..480 (the source\'s 640x480 frame)' },
    ]);
    expect(zoneProblems({ name: 'z', points: [[0, 0], [700, 0], [700, 400]] })).toEqual([]);
    expect(zoneProblems({ name: 'z', units: 'fraction', points: [[0, 0], [1.2, 0], [1, 1]] })).toEqual([
      { field: 'points[1]', message: '[1.2, 0] is outside the frame; expected fractions between 0 and 1 (units: fraction)' },
    ]);
    expect(lineProblems({ name: 'l', points: [[-1, 0], [5, 5]] })).toEqual([
      { field: 'points[0]', message: '[-1, 0] is outside the frame; expected pixels with x and y >= 0' },
    ]);
  });

  it('degenerate shapes and loiter before enter', () => {
    expect(zoneProblems({ name: 'z', points: [[0, 0], [5, 5], [10, 10]] })).toEqual([{ field: 'points', message: 'the points are all on one line: the zone has no area' }]);
    expect(lineProblems({ name: 'l', points: [[5, 5], [5, 5]] })).toEqual([{ field: 'points', message: 'both points are the same: a line needs two different points' }]);
    expect(zoneProblems({ name: 'z', points: [[0, 0], [5, 0], [5, 5]], minTimeS: 5, loiterS: 2 })).toEqual([
      { field: 'loiter_s', message: '2 is less than min_time_s (5); loitering starts after the object entered' },
    ]);
  });

  it('duplicate names across zones and lines', () => {
    expect(duplicateNames([{ name: 'a' }, { name: 'b' }, { name: 'a' }], [{ name: 'b' }])).toEqual([
      { list: 'zones', index: 2, first: 'zones[0]' },
      { list: 'lines', index: 0, first: 'zones[1]' },
    ]);
  });
});

describe('counts', () => {
  it('listed classes start at 0; others appear when seen; the snapshot is a sorted copy', () => {
    const counts = new ZoneCounts([{ name: 'door', classes: ['person'] }], [{ name: 'gate' }]);
    expect(counts.snapshot()).toEqual({ zones: { door: { person: { count: 0, entries: 0 } } }, lines: { gate: {} } });
    counts.entered('door', 'person');
    counts.entered('door', 'dog');
    counts.left('door', 'person');
    counts.crossed('gate', 'car', 'in');
    const snap = counts.snapshot();
    expect(JSON.stringify(snap)).toBe('{"zones":{"door":{"dog":{"count":1,"entries":1},"person":{"count":0,"entries":1}}},"lines":{"gate":{"car":{"in":1,"out":0}}}}');
    counts.entered('door', 'dog');
    expect(snap.zones['door']!['dog']!.count).toBe(1);
    expect(counts.count('door')).toBe(2);
  });
});

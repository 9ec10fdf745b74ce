import { describe, expect, it } from 'vitest';
import type { DetectedObject } from '../../src/postprocess/types.js';
import { ObjectFilters, type ObjectFilterOptions } from '../../src/tracking/filters.js';

const det = (index: number, label: string | undefined, score: number, x: number, y: number, width: number, height: number): DetectedObject => ({
  index, ...(label !== undefined ? { label } : {}), score, box: { x, y, width, height },
});
const none: ObjectFilterOptions = { classes: [], filters: [], masks: [] };
// The "tv" of people-walk: a screen on the wall, 400..520 x 80..170.
const tvMask = { points: [{ x: 390, y: 70 }, { x: 530, y: 70 }, { x: 530, y: 180 }, { x: 390, y: 180 }] };

describe('ObjectFilters', () => {
  it('keeps only the classes to track, by label or class index', () => {
    const f = new ObjectFilters({ ...none, classes: ['person', '2'] });
    const r = f.apply([det(0, 'person', 0.9, 0, 0, 10, 10), det(2, undefined, 0.9, 0, 0, 10, 10), det(62, 'tv', 0.9, 0, 0, 10, 10)]);
    expect(r.kept.map((d) => d.index)).toEqual([0, 2]);
    expect(r.dropped).toEqual({ class: 1, score: 0, area: 0, aspect: 0, mask: 0 });
  });

  it('applies per-class score, area and aspect limits, and class-less filters to every class', () => {
    const f = new ObjectFilters({
      ...none,
      filters: [
        { class: 'person', minScore: 0.7, minAspect: 0.2, maxAspect: 1 },
        { minArea: 100, maxArea: 10_000 },
      ],
    });
    const r = f.apply([
      det(0, 'person', 0.65, 0, 0, 20, 50), // score
      det(0, 'person', 0.9, 0, 0, 60, 50), // aspect 1.2
      det(0, 'person', 0.9, 0, 0, 5, 10), // area 50
      det(0, 'person', 0.9, 0, 0, 20, 50), // kept
      det(2, 'car', 0.6, 0, 0, 200, 100), // area 20000
      det(2, 'car', 0.6, 0, 0, 60, 30), // kept: person limits do not apply
    ]);
    expect(r.kept.map((d) => `${d.label} ${d.box.width}x${d.box.height}`)).toEqual(['person 20x50', 'car 60x30']);
    expect(r.dropped).toEqual({ class: 0, score: 1, area: 2, aspect: 1, mask: 0 });
    expect(f.dropped).toEqual(r.dropped);
  });

  it('drops a masked tv by its bottom_centre but keeps a person standing in front of it', () => {
    const f = new ObjectFilters({ ...none, masks: [{ ...tvMask, units: 'pixels', classes: [], anchor: 'bottom_centre' }] });
    const tv = det(62, 'tv', 0.7, 400, 80, 120, 90);
    const personInFront = det(0, 'person', 0.9, 430, 60, 60, 300); // box covers the screen, feet at y 360
    expect(f.apply([tv, personInFront]).kept).toEqual([personInFront]);
    // With the centre as anchor the person (centre 460,210) would be kept too here, but one standing closer is not:
    const centre = new ObjectFilters({ ...none, masks: [{ ...tvMask, units: 'pixels', classes: [], anchor: 'centre' }] });
    const closer = det(0, 'person', 0.9, 430, 40, 60, 240); // centre 460,160: inside
    expect(centre.apply([tv, closer]).kept).toEqual([]);
    expect(f.apply([closer]).kept).toEqual([closer]);
  });

  it('masks only the classes they list, and take fractions of the frame size', () => {
    const f = new ObjectFilters({
      ...none,
      masks: [{ points: [{ x: 0.5, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 0.5 }, { x: 0.5, y: 0.5 }], units: 'fraction', classes: ['tv'], anchor: 'centre' }],
    });
    const tv = det(62, 'tv', 0.7, 400, 80, 120, 90); // centre 460,125 in 640x480: inside the top-right quarter
    const person = det(0, 'person', 0.9, 400, 80, 120, 90);
    const r = f.apply([tv, person], { width: 640, height: 480 });
    expect(r.kept).toEqual([person]);
    expect(r.dropped.mask).toBe(1);
    expect(() => f.apply([tv])).toThrow('A mask in fractions of the frame needs the frame size; pass it to ObjectFilters.apply');
  });
});

/**
 * Cross-class merging before the tracker (src/tracking/merge.ts) on simulated detections: a detector whose NMS is
 * per class reports one object as several overlapping boxes of different classes, as the COCO SSD does with cars
 * seen from above (video/car-detection.mp4: "cell phone", "suitcase", "car" for one car).
 */
import { describe, expect, it } from 'vitest';
import type { DetectedObject } from '../../src/postprocess/types.js';
import { mulberry32 } from '../../src/sources/synthetic-patterns.js';
import { DetectionMerger, boxOverlap } from '../../src/tracking/merge.js';
import { Tracker } from '../../src/tracking/tracker.js';
import type { TrackEvent, TrackerOptions } from '../../src/tracking/types.js';

const labels: Record<string, number> = { person: 0, car: 2, bus: 5, truck: 7, suitcase: 32, 'cell phone': 76 };
const det = (label: string, score: number, x: number, y: number, width: number, height: number): DetectedObject => ({
  index: labels[label]!, label, score, box: { x, y, width, height },
});
const vehicles = [['car', 'truck', 'bus', 'cell phone', 'suitcase']];

describe('DetectionMerger', () => {
  it('keeps the best box of overlapping detections of one group, whatever their classes, and counts the others', () => {
    const merger = new DetectionMerger({ groups: vehicles, minOverlap: 0.5, overlap: 'iou' });
    const objects = [
      det('truck', 0.4, 102, 98, 100, 200),
      det('car', 0.7, 100, 100, 100, 200),
      det('bus', 0.3, 96, 104, 104, 196),
      det('car', 0.6, 400, 100, 100, 200), // another car, apart
    ];
    const result = merger.apply(objects);
    expect(result.kept).toEqual([objects[1], objects[3]]);
    expect(result.merged).toBe(2);
    expect(merger.merged).toBe(2);
  });

  it('leaves classes outside every group, and overlaps across two groups, alone', () => {
    const merger = new DetectionMerger({ groups: [['car', 'truck'], ['person']], minOverlap: 0.5, overlap: 'iou' });
    const objects = [det('car', 0.9, 100, 100, 100, 200), det('person', 0.8, 100, 100, 100, 200), det('suitcase', 0.5, 100, 100, 100, 200)];
    expect(merger.apply(objects)).toEqual({ kept: objects, merged: 0 });
  });

  it('merges a box of the same class in the group too (class-agnostic within the group)', () => {
    const merger = new DetectionMerger({ groups: vehicles, minOverlap: 0.5, overlap: 'iou' });
    const objects = [det('cell phone', 0.3, 102, 100, 100, 190), det('cell phone', 0.8, 100, 100, 100, 200)];
    expect(merger.apply(objects).kept).toEqual([objects[1]]);
  });

  it('measures a box inside a larger one as fully overlapping with `smaller`, and by IoU otherwise', () => {
    const outer = det('cell phone', 0.78, 279, 94, 163, 274);
    const inner = det('suitcase', 0.48, 311, 196, 123, 163); // a real pair from car-detection.mp4 at 6.2 s
    expect(boxOverlap(outer.box, inner.box, 'iou')).toBeCloseTo((123 * 163) / (163 * 274), 6);
    expect(boxOverlap(outer.box, inner.box, 'smaller')).toBe(1);
    expect(new DetectionMerger({ groups: vehicles, minOverlap: 0.5, overlap: 'iou' }).apply([outer, inner]).kept).toEqual([outer, inner]);
    expect(new DetectionMerger({ groups: vehicles, minOverlap: 0.5, overlap: 'smaller' }).apply([outer, inner]).kept).toEqual([outer]);
    expect(boxOverlap(outer.box, det('car', 1, 500, 0, 10, 10).box, 'smaller')).toBe(0);
  });

  it('suppresses greedily from the highest score, as NMS does: a box dropped by the best cannot drop another', () => {
    // a overlaps b, b overlaps c, a does not overlap c: a drops b, c stays (a chain is not one object).
    const a = det('car', 0.9, 0, 0, 100, 100);
    const b = det('truck', 0.8, 40, 0, 100, 100);
    const c = det('bus', 0.7, 80, 0, 100, 100);
    expect(new DetectionMerger({ groups: vehicles, minOverlap: 0.3, overlap: 'iou' }).apply([c, b, a]).kept).toEqual([c, a]);
  });

  it('passes everything through with no groups', () => {
    const objects = [det('car', 0.9, 0, 0, 100, 100), det('truck', 0.8, 0, 0, 100, 100)];
    expect(new DetectionMerger({ groups: [], minOverlap: 0.5, overlap: 'iou' }).apply(objects)).toEqual({ kept: objects, merged: 0 });
  });
});

/**
 * Cars driving down a 768x432 frame at 12.5 fps, each reported as its true box ("cell phone" in 80 % of frames, else "suitcase") plus
 * one or two boxes of other vehicle classes, jittered, some nested inside it, and 10 % of frames missed.
 */
function carScene(seed: number): { frames: Array<{ ms: number; objects: DetectedObject[] }>; cars: number; labels: string[] } {
  const next = mulberry32(seed);
  const random = () => next() / 2 ** 32;
  const cars = [
    { x: 280, from: 0, to: 4000 },
    { x: 100, from: 5000, to: 9000 },
    { x: 330, from: 5400, to: 9400 },
    { x: 150, from: 11000, to: 14000 },
  ];
  const frames: Array<{ ms: number; objects: DetectedObject[] }> = [];
  const mainCounts = cars.map(() => new Map<string, number>());
  for (let ms = 0; ms <= 15000; ms += 80) {
    const objects: DetectedObject[] = [];
    for (const [c, car] of cars.entries()) {
      if (ms < car.from || ms > car.to || random() < 0.1) continue;
      const y = -280 + ((ms - car.from) / (car.to - car.from)) * 712;
      const jitter = () => (random() - 0.5) * 8;
      const main = random() < 0.8 ? 'cell phone' : 'suitcase';
      const inView = y + 280 > 0 && y < 432;
      if (inView) mainCounts[c]!.set(main, (mainCounts[c]!.get(main) ?? 0) + 1);
      objects.push(det(main, 0.5 + 0.3 * random(), car.x + jitter(), y + jitter(), 160 + jitter(), 280 + jitter()));
      const others = ['car', 'truck', 'bus'];
      // The second opinion: a box of another class nearly the same, or one lying inside the car.
      const other = others[Math.floor(random() * others.length)]!;
      if (random() < 0.5) objects.push(det(other, 0.3 + 0.2 * random(), car.x + jitter(), y + jitter(), 160 + jitter(), 280 + jitter()));
      else objects.push(det(other, 0.3 + 0.2 * random(), car.x + 20 + jitter(), y + 80 + jitter(), 120, 160));
      if (random() < 0.3) objects.push(det('cell phone', 0.25 + 0.2 * random(), car.x + 30 + jitter(), y + 40 + jitter(), 100, 150));
    }
    frames.push({ ms, objects: objects.filter((o) => o.box.y + o.box.height > 0 && o.box.y < 432) });
  }
  // The label each car should get: its best box's class most often (by a clear margin: 80 % of its frames).
  const labels = mainCounts.map((counts) => [...counts].sort((a, b) => b[1] - a[1])[0]![0]);
  return { frames, cars: cars.length, labels };
}

function trackScene(frames: ReturnType<typeof carScene>['frames'], merger: DetectionMerger | undefined, options: Partial<TrackerOptions>): TrackEvent[] {
  const tracker = new Tracker({ minHits: 2, highThreshold: 0.3, newTrackThreshold: 0.4, ...options });
  const events: TrackEvent[] = [];
  for (const [i, f] of frames.entries()) {
    const objects = merger ? merger.apply(f.objects).kept : f.objects;
    events.push(...tracker.update({ frameId: i, monoMs: f.ms, wallMs: f.ms, objects }).events);
  }
  events.push(...tracker.finish());
  return events.filter((e) => e.kind === 'end');
}

describe('one track per car with merging before the tracker', () => {
  for (const seed of [1, 2, 3]) {
    it(`scene ${seed}: several tracks per car without merging, one each with it, labelled by the class seen most`, () => {
      const { frames, cars, labels: truth } = carScene(seed);
      const unmerged = trackScene(frames, undefined, { match: 'any' });
      expect(unmerged.length).toBeGreaterThan(cars);
      for (const overlap of ['iou', 'smaller'] as const) {
        // IoU cannot see the nested boxes as one object below ~0.4; containment can at a strict threshold.
        const minOverlap = overlap === 'iou' ? 0.3 : 0.6;
        const anyClass = trackScene(frames, new DetectionMerger({ groups: vehicles, minOverlap, overlap }), { match: 'any' });
        expect(anyClass.sort((a, b) => a.track.firstSeenMs - b.track.firstSeenMs).map((e) => e.track.label), overlap).toEqual(truth);
        // match: class, with the groups as classes: a track of the group takes "suitcase" boxes after "cell phone" ones.
        const grouped = trackScene(frames, new DetectionMerger({ groups: vehicles, minOverlap, overlap }), { match: 'class', classGroups: vehicles });
        expect(grouped.length, overlap).toBe(cars);
      }
      // Per-class matching without the groups splits a car whenever the detector changes its mind.
      const perClass = trackScene(frames, new DetectionMerger({ groups: vehicles, minOverlap: 0.6, overlap: 'smaller' }), { match: 'class' });
      expect(perClass.length).toBeGreaterThan(cars);
    });
  }
});

/** Merging the detections of overlapping crops into one result (src/motion/region-merge.ts). */
import { describe, expect, it } from 'vitest';
import type { DetectedObject } from '../../src/core/result.js';
import { cutByCrop, mergeCropDetections } from '../../src/motion/region-merge.js';

const settings = { frameWidth: 1280, frameHeight: 720, iou: 0.5, maxDetections: 10 };
const A = { x: 0, y: 0, width: 300, height: 300 };
const B = { x: 200, y: 0, width: 300, height: 300 };
const car = (x: number, y: number, width: number, height: number, score: number, index = 2): DetectedObject => ({ index, label: index === 2 ? 'car' : 'person', score, box: { x, y, width, height } });

describe('mergeCropDetections', () => {
  it('keeps one of an object seen whole by two overlapping crops: the better score', () => {
    const merged = mergeCropDetections([{ crop: A, objects: [car(210, 50, 80, 100, 0.7)] }, { crop: B, objects: [car(212, 52, 78, 96, 0.8)] }], settings);
    expect(merged).toEqual([car(212, 52, 78, 96, 0.8)]);
  });

  it("drops a box cut by a crop's edge when another crop sees the object whole, even with a lower score and IoU under the threshold", () => {
    // In A the car runs into A's right edge (300): cut, 50x100. B sees it whole, 100x104: IoU 0.48, but it covers all of the cut box.
    const cut = car(250, 50, 50, 100, 0.9);
    const whole = car(250, 48, 100, 104, 0.6);
    expect(cutByCrop(cut.box, A, 1280, 720)).toBe(true);
    expect(cutByCrop(whole.box, B, 1280, 720)).toBe(false);
    expect(mergeCropDetections([{ crop: A, objects: [cut] }, { crop: B, objects: [whole] }], settings)).toEqual([whole]);
  });

  it('keeps a cut box nobody sees better, boxes of other classes, and boxes at the frame edge (not cut)', () => {
    const cut = car(250, 50, 50, 100, 0.9);
    const person = car(250, 48, 100, 104, 0.6, 0);
    expect(mergeCropDetections([{ crop: A, objects: [cut] }, { crop: B, objects: [person] }], settings)).toEqual([cut, person]);
    // A's left and top edges are the frame's: a box touching them is whole as far as anyone can see.
    expect(cutByCrop({ x: 0, y: 0, width: 40, height: 40 }, A, 1280, 720)).toBe(false);
    expect(cutByCrop({ x: 201, y: 100, width: 40, height: 40 }, B, 1280, 720)).toBe(true);
  });

  it('keeps at most maxDetections, best first', () => {
    const objects = [car(10, 10, 20, 20, 0.5), car(100, 10, 20, 20, 0.9), car(10, 100, 20, 20, 0.7)];
    expect(mergeCropDetections([{ crop: A, objects }], { ...settings, maxDetections: 2 }).map((o) => o.score)).toEqual([0.9, 0.7]);
  });
});

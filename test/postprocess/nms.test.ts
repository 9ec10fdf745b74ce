import { describe, expect, it } from 'vitest';
import { iou, nonMaxSuppression, type Candidate } from '../../src/postprocess/nms.js';

function box(x1: number, y1: number, x2: number, y2: number, score: number, classIndex = 0): Candidate {
  return { x1, y1, x2, y2, score, classIndex };
}

describe('iou', () => {
  it('is intersection over union, 0 for disjoint, touching or empty boxes', () => {
    expect(iou(box(0, 0, 2, 2, 1), box(1, 1, 3, 3, 1))).toBeCloseTo(1 / 7, 12);
    expect(iou(box(0, 0, 2, 2, 1), box(0, 0, 2, 2, 1))).toBe(1);
    expect(iou(box(0, 0, 1, 1, 1), box(1, 0, 2, 1, 1))).toBe(0);
    expect(iou(box(0, 0, 1, 1, 1), box(5, 5, 6, 6, 1))).toBe(0);
    expect(iou(box(0, 0, 0, 0, 1), box(0, 0, 0, 0, 1))).toBe(0);
  });
});

describe('nonMaxSuppression', () => {
  const a = box(0, 0, 10, 10, 0.9);
  const b = box(1, 1, 11, 11, 0.8); // IoU with a: 81 / 119 = 0.68
  const c = box(1, 1, 11, 11, 0.85, 1); // same place as b, another class
  const d = box(20, 20, 30, 30, 0.7);

  it('drops a box overlapping a better one of its class by more than the IoU threshold', () => {
    expect(nonMaxSuppression([b, a, d], 0.5, 10)).toEqual([a, d]);
    expect(nonMaxSuppression([b, a, d], 0.7, 10)).toEqual([a, b, d]);
  });

  it('suppresses within a class only', () => {
    expect(nonMaxSuppression([a, b, c, d], 0.5, 10)).toEqual([a, c, d]);
  });

  it('keeps the equal-IoU box (suppression needs IoU strictly above the threshold)', () => {
    const e = box(0, 0, 10, 20, 0.5); // IoU with a: exactly 0.5
    expect(nonMaxSuppression([a, e], 0.5, 10)).toEqual([a, e]);
    expect(nonMaxSuppression([a, e], 0.49, 10)).toEqual([a]);
  });

  it('stops at maxDetections, best first; ties keep input order', () => {
    expect(nonMaxSuppression([d, c, a], 0.5, 2)).toEqual([a, c]);
    const t1 = box(0, 0, 1, 1, 0.5, 0);
    const t2 = box(5, 5, 6, 6, 0.5, 0);
    expect(nonMaxSuppression([t1, t2], 0.5, 10)).toEqual([t1, t2]);
    expect(nonMaxSuppression([], 0.5, 10)).toEqual([]);
  });

  it('equals full per-class suppression followed by the best maxDetections', () => {
    // A seeded pseudo-random field of boxes in 3 classes.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const boxes = Array.from({ length: 300 }, () => {
      const [x, y, w, h] = [random() * 90, random() * 90, 5 + random() * 20, 5 + random() * 20];
      return box(x, y, x + w, y + h, random(), Math.floor(random() * 3));
    });
    const full = [0, 1, 2].flatMap((k) => nonMaxSuppression(boxes.filter((bx) => bx.classIndex === k), 0.45, Infinity));
    const best = full.sort((p, q) => q.score - p.score).slice(0, 25);
    expect(nonMaxSuppression(boxes, 0.45, 25)).toEqual(best);
  });
});

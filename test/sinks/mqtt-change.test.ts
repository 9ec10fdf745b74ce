/** What counts as a change (mode change, events) and which predictions the publish gate lets through: pure. */
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/result.js';
import { changes } from '../../src/sinks/mqtt/change.js';
import { PublishGate } from '../../src/sinks/mqtt/publish-gate.js';

const classify = (label: string, score: number): Result => ({ kind: 'classify', classes: [{ index: label.length, label, score }] });
const box = { x: 0, y: 0, width: 1, height: 1 };
const detect = (...objects: Array<[string, number]>): Result => ({ kind: 'detect', objects: objects.map(([label, score], index) => ({ index, label, score, box })) });
const scalar = (value: number, anomaly: boolean): Result => ({ kind: 'scalar', value, anomaly });

describe('changes', () => {
  it('classify: the first result, a new top class, and the top score crossing the threshold either way', () => {
    expect(changes(undefined, classify('cat', 0.9), 0.5)).toEqual([{ type: 'class_changed', label: 'cat', score: 0.9, previous: null }]);
    expect(changes(classify('cat', 0.9), classify('cat', 0.8), 0.5)).toEqual([]);
    expect(changes(classify('cat', 0.9), classify('dog', 0.8), 0.5)).toEqual([{ type: 'class_changed', label: 'dog', score: 0.8, previous: 'cat' }]);
    expect(changes(classify('cat', 0.9), classify('cat', 0.4), 0.5)).toEqual([{ type: 'score_below', label: 'cat', score: 0.4, threshold: 0.5 }]);
    expect(changes(classify('cat', 0.4), classify('cat', 0.5), 0.5)).toEqual([{ type: 'score_above', label: 'cat', score: 0.5, threshold: 0.5 }]);
    expect(changes(classify('cat', 0.9), { kind: 'classify', classes: [] }, 0.5)).toEqual([{ type: 'left', label: 'cat', score: 0.9 }]);
  });

  it('classify without labels compares class indices', () => {
    const byIndex = (index: number): Result => ({ kind: 'classify', classes: [{ index, score: 0.9 }] });
    expect(changes(byIndex(3), byIndex(3), 0.5)).toEqual([]);
    expect(changes(byIndex(3), byIndex(4), 0.5)).toEqual([{ type: 'class_changed', label: '4', score: 0.9, previous: '3' }]);
  });

  it('detect: labels entering and leaving the set present, not counts or boxes', () => {
    expect(changes(undefined, detect(), 0.5)).toEqual([]);
    expect(changes(undefined, detect(['car', 0.7], ['car', 0.9]), 0.5)).toEqual([{ type: 'entered', label: 'car', score: 0.9 }]);
    expect(changes(detect(['car', 0.7]), detect(['car', 0.6], ['car', 0.8]), 0.5)).toEqual([]);
    expect(changes(detect(['car', 0.7], ['dog', 0.6]), detect(['person', 0.8], ['car', 0.9]), 0.5)).toEqual([
      { type: 'entered', label: 'person', score: 0.8 },
      { type: 'left', label: 'dog', score: 0.6 },
    ]);
  });

  it('scalar: only the anomaly flag flipping', () => {
    expect(changes(undefined, scalar(0.1, false), 0.5)).toEqual([]);
    expect(changes(undefined, scalar(3, true), 0.5)).toEqual([{ type: 'anomaly', value: 3 }]);
    expect(changes(scalar(3, true), scalar(4, true), 0.5)).toEqual([]);
    expect(changes(scalar(3, true), scalar(0.2, false), 0.5)).toEqual([{ type: 'normal', value: 0.2 }]);
  });

  it('pose: a person present (any keypoint visible) or not; segment: classes present in the mask', () => {
    const pose = (visible: boolean): Result => ({ kind: 'pose', keypoints: [{ name: 'nose', x: 1, y: 1, score: 0.8, visible }] });
    expect(changes(pose(false), pose(true), 0.5)).toEqual([{ type: 'entered', label: 'person', score: 0.8 }]);
    expect(changes(pose(true), pose(true), 0.5)).toEqual([]);
    expect(changes(pose(true), pose(false), 0.5)).toEqual([{ type: 'left', label: 'person', score: 0.8 }]);
    const segment = (fraction: number): Result => ({ kind: 'segment', classes: [{ index: 1, label: 'road', score: 1, fraction }] });
    expect(changes(segment(0.3), segment(0.5), 0.5)).toEqual([]);
    expect(changes(segment(0.3), segment(0), 0.5)).toEqual([{ type: 'left', label: 'road', score: 1 }]);
  });

  it('a result of another kind is compared with nothing', () => {
    expect(changes(detect(['car', 0.9]), classify('cat', 0.9), 0.5)).toEqual([{ type: 'class_changed', label: 'cat', score: 0.9, previous: null }]);
  });
});

describe('PublishGate', () => {
  it('every: all, or at most one per min_interval_ms', () => {
    const all = new PublishGate('every', 0, 0);
    expect([0, 0, 1].map((t) => all.offer(t, false))).toEqual([true, true, true]);
    const limited = new PublishGate('every', 0, 100);
    expect([0, 50, 99, 100, 150, 250].map((t) => limited.offer(t, false))).toEqual([true, false, false, true, false, true]);
  });

  it('change: only changed ones, rate-limited', () => {
    const gate = new PublishGate('change', 0, 100);
    expect(gate.offer(0, false)).toBe(false);
    expect(gate.offer(1, true)).toBe(true);
    expect(gate.offer(50, true)).toBe(false);
    expect(gate.offer(101, true)).toBe(true);
  });

  it('interval: the first prediction at or after each interval', () => {
    const gate = new PublishGate('interval', 1000, 0);
    expect([0, 10, 999, 1000, 1500, 2100].map((t) => gate.offer(t, true))).toEqual([true, false, false, true, false, true]);
  });
});

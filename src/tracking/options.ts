/** From a validated `track:` section (src/config/schema-track.ts) to the options of the filters and the tracker. */
import type { TrackConfig } from '../config/types.js';
import type { ObjectFilterOptions } from './filters.js';
import type { MergeOptions } from './merge.js';
import { defaultKalmanNoise } from './kalman.js';
import type { TrackerOptions } from './types.js';

export function trackerOptionsFrom(config: TrackConfig): TrackerOptions {
  return {
    match: config.match,
    classGroups: config.mergeClasses.map((group) => [...group.classes]),
    highThreshold: config.highThreshold,
    lowThreshold: config.lowThreshold,
    newTrackThreshold: config.newTrackThreshold,
    matchIou: config.matchIou,
    lowMatchIou: config.lowMatchIou,
    tentativeMatchIou: config.tentativeMatchIou,
    minHits: config.minHits,
    maxAgeMs: config.maxAgeMs,
    tentativeMaxAgeMs: config.tentativeMaxAgeMs,
    stationary: { ...config.stationary },
    noise: { ...defaultKalmanNoise },
  };
}

export function mergeOptionsFrom(config: TrackConfig): MergeOptions {
  return { groups: config.mergeClasses.map((group) => [...group.classes]), minOverlap: config.mergeOverlap, overlap: config.mergeMeasure };
}

export function filterOptionsFrom(config: TrackConfig): ObjectFilterOptions {
  return {
    classes: [...config.classes],
    filters: config.filters.map((f) => ({ ...f })),
    masks: config.masks.map((m) => ({
      points: m.points.map(([x, y]) => ({ x, y })),
      units: m.units,
      classes: [...m.classes],
      anchor: m.anchor,
    })),
  };
}

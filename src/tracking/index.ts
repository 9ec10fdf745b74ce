/** The tracking stage's core: object filters, then the multi-object tracker (no pipeline wiring here). */
export { Tracker, defaultTrackerOptions } from './tracker.js';
export { ObjectFilters } from './filters.js';
export type { ClassName, DetectionMask, DropReason, FilterResult, ObjectFilter, ObjectFilterOptions } from './filters.js';
export type { BestSnapshot, TrackEvent, TrackedObject, TrackerFrame, TrackerOptions, TrackerUpdate } from './types.js';
export type { KalmanNoise } from './kalman.js';
export { boxIou, pointInPolygon, type Point } from './geometry.js';
export { DetectionMerger, boxOverlap, classGroupOf, type MergeOptions, type MergeResult } from './merge.js';
export { filterOptionsFrom, mergeOptionsFrom, trackerOptionsFrom } from './options.js';
export { trackClassProblems, type ClassProblem } from './class-check.js';
export { createTrackingStage, trackRecord, type PredictionTrack, type TrackingStage } from './stage.js';

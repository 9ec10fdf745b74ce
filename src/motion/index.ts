/**
 * Motion detection for image pipelines (the `motion` section): a detector per camera and the gate decision that
 * uses its result. See detector.ts for the steps and their reasons.
 */
export { MotionDetector, motionSettings } from './detector.js';
export type { LightingChange, MotionBox, MotionCounters, MotionResult, MotionSettings } from './detector.js';
export { MotionGate } from './gate.js';
export type { GateCounters, GateDecision } from './gate.js';
export type { RawImage } from './grey.js';
export { createMotionStage, type MotionStage, type MotionStageCounters } from './stage.js';

/**
 * Motion gating as a pipeline stage (src/stages/types.ts): the detector runs on each raw frame before inference
 * and frames without motion skip it (`no_motion`), except every `keepalive_s` while the latest prediction still
 * carries tracked objects (or, without tracking, detected objects), so an object that stands still is not lost.
 *
 * Encoded payloads (JPEG/PNG from an images source or a snapshot camera) always go to inference: finding motion
 * would take a second decode, which costs about what the gate saves; such frames count in `unjudged`.
 */
import type { Frame, Prediction } from '../core/frame.js';
import type { MotionConfig } from '../config/types.js';
import type { GateDecision as StageDecision, GateView, Stage } from '../stages/types.js';
import { MotionDetector } from './detector.js';
import { MotionGate } from './gate.js';

/** What the stage counted since it was made (the pipeline's stats carry these as `motion`). */
export interface MotionStageCounters extends Record<string, number> {
  /** Raw frames the detector looked at. */
  frames: number;
  framesWithMotion: number;
  /** Frames passed without motion for the keep-alive. */
  keepalive: number;
  /** Frames whose inference was skipped (also in the pipeline's `skipped.no_motion`). */
  skipped: number;
  /** Encoded frames, always inferred. */
  unjudged: number;
  /** Sum over frames of the motion area (fraction of the frame): divided by `frames`, the mean area. */
  areaSum: number;
  lightingCompensated: number;
  lightingResets: number;
}

export interface MotionStage extends Stage {
  counters(): MotionStageCounters;
}

/** Whether the latest prediction has objects worth keeping an eye on: tracks when tracking ran, else detections. */
function watching(latest: Prediction | undefined): boolean {
  if (!latest) return false;
  const analytics = latest.analytics as Record<string, unknown> | undefined;
  const tracks = analytics?.['tracks'];
  if (Array.isArray(tracks)) return tracks.length > 0;
  return latest.result.kind === 'detect' && latest.result.objects.length > 0;
}

export function createMotionStage(config: MotionConfig): MotionStage {
  const detector = new MotionDetector({
    height: config.height,
    threshold: config.threshold,
    minArea: config.minArea,
    alpha: config.alpha,
    contrast: config.contrast,
    lightingLimit: config.lightingLimit,
    masks: config.masks,
  });
  const gate = new MotionGate(config.keepaliveS * 1000);
  let unjudged = 0;
  let areaSum = 0;
  return {
    name: 'motion',
    gate(frame: Frame, view: GateView): StageDecision {
      const payload = frame.payload;
      if (payload.kind !== 'raw') {
        unjudged += 1;
        return { infer: true };
      }
      const found = detector.detect(payload);
      areaSum += found.area;
      // The first frame only seeds the background: infer it, there is nothing to compare it with yet.
      if (found.seeded) return { infer: true };
      const decision = gate.decide(found.motion, watching(view.latest), frame.capturedMonoMs);
      return decision === 'skip' ? { infer: false, reason: 'no_motion' } : { infer: true };
    },
    counters(): MotionStageCounters {
      const d = detector.counters;
      const g = gate.counters;
      return {
        frames: d.frames,
        framesWithMotion: d.framesWithMotion,
        keepalive: g.keepalive,
        skipped: g.skipped,
        unjudged,
        areaSum,
        lightingCompensated: d.lightingCompensated,
        lightingResets: d.lightingResets,
      };
    },
  };
}

/**
 * Motion gating as a pipeline stage (src/stages/types.ts): the detector runs on each raw frame before inference
 * and frames without motion skip it (`no_motion`), except every `keepalive_s` while the latest prediction still
 * carries tracked objects (or, without tracking, detected objects), so an object that stands still is not lost.
 *
 * Encoded payloads (JPEG/PNG from an images source or a snapshot camera) always go to inference: finding motion
 * would take a second decode, which costs about what the gate saves; such frames count in `unjudged`.
 *
 * With `detect_on: regions`, a frame with motion is inferred as crops around its motion regions (region-crops.ts),
 * or whole when they are too many or cover most of the frame. Keep-alive frames (no motion, so no region; a
 * tracked object that stands still may be anywhere) and the first frame are inferred whole.
 */
import type { Frame, Prediction } from '../core/frame.js';
import type { MotionConfig } from '../config/types.js';
import type { GateDecision as StageDecision, GateView, Stage, StageContext } from '../stages/types.js';
import { MotionDetector, type MotionResult } from './detector.js';
import { MotionGate } from './gate.js';
import { planCrops } from './region-crops.js';

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

/** `detect_on: regions` only: how the frames sent to inference were inferred. */
export interface RegionCounters extends Record<string, number> {
  /** Frames inferred as crops. */
  regionFrames: number;
  /** Crops inferred: divided by `regionFrames`, inferences per region frame. */
  regionCrops: number;
  /** Frames inferred whole, once each (keep-alive, first frame and the two fall-backs below included). */
  wholeFrames: number;
  /** Of those: the crops would have covered more than half of the frame. */
  wholeCover: number;
  /** Of those: more motion regions than `max_regions`. */
  wholeTooMany: number;
}

export interface MotionStage extends Stage {
  counters(): MotionStageCounters & Partial<RegionCounters>;
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
  // Planned only when the pipeline says the model's input size (a detector on images).
  let input: StageContext['modelInput'];
  let context: StageContext | undefined;
  let warnedEncoded = false;
  const regions: RegionCounters | undefined =
    config.detectOn === 'regions' ? { regionFrames: 0, regionCrops: 0, wholeFrames: 0, wholeCover: 0, wholeTooMany: 0 } : undefined;
  const whole = (): StageDecision => {
    if (regions) regions.wholeFrames += 1;
    return { infer: true };
  };
  const onRegions = (found: MotionResult, width: number, height: number): StageDecision => {
    if (!regions || !input) return whole();
    const plan = planCrops(found.regions, { width, height }, { input, maxRegions: config.maxRegions, margin: config.regionMargin });
    if (plan.kind === 'frame') {
      if (plan.reason === 'cover') regions.wholeCover += 1;
      else regions.wholeTooMany += 1;
      return whole();
    }
    regions.regionFrames += 1;
    regions.regionCrops += plan.crops.length;
    return { infer: true, crops: plan.crops };
  };
  return {
    name: 'motion',
    start(given: StageContext): void {
      context = given;
      input = given.modelInput;
    },
    gate(frame: Frame, view: GateView): StageDecision {
      const payload = frame.payload;
      if (payload.kind !== 'raw') {
        unjudged += 1;
        // Validation refuses encoded sources with regions; a board profile's camera command can still give JPEG.
        if (regions && !warnedEncoded && context) {
          warnedEncoded = true;
          context.logger.log('warn', `pipeline ${context.pipeline}: motion.detect_on: regions, but the source gives encoded frames (JPEG, PNG), which motion does not judge: each is inferred whole`);
        }
        return whole();
      }
      const found = detector.detect(payload);
      areaSum += found.area;
      // The first frame only seeds the background: infer it, there is nothing to compare it with yet.
      if (found.seeded) return whole();
      const decision = gate.decide(found.motion, watching(view.latest), frame.capturedMonoMs);
      if (decision === 'skip') return { infer: false, reason: 'no_motion' };
      return decision === 'motion' ? onRegions(found, payload.width, payload.height) : whole();
    },
    counters(): MotionStageCounters & Partial<RegionCounters> {
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
        ...regions,
      };
    },
  };
}

/**
 * The stages of a pipeline, in order, from its configuration. A new stage is a folder (src/<stage>/) exporting a
 * factory, and one line here.
 *
 * Order matters: gates run in this order (the first that skips decides) and so do result stages (each gets the
 * prediction the one before returned). Motion gates before inference; tracking runs on each detector result;
 * cascades (second models on crops) on its tracks; zones and lines on its tracks.
 */
import type { PipelineConfig } from '../config/types.js';
import { createMotionStage } from '../motion/index.js';
import { createTrackingStage } from '../tracking/index.js';
import { createCascadeStage } from '../cascade/index.js';
import { createZonesStage } from '../zones/stage.js';
import type { Stage } from './types.js';

export function createStages(config: PipelineConfig): Stage[] {
  return [
    ...(config.motion?.enabled ? [createMotionStage(config.motion)] : []),
    ...(config.track ? [createTrackingStage(config.track)] : []),
    ...(config.track ? (config.cascade ?? []).map((entry, i) => createCascadeStage(entry, i)) : []),
    ...(config.zones || config.lines ? [createZonesStage(config.name, config.zones ?? [], config.lines ?? [])] : []),
  ];
}

export type { GateDecision, GateView, Stage, StageContext } from './types.js';

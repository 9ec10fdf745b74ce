/**
 * The stages of a pipeline, in order, from its configuration. A new stage is a folder (src/<stage>/) exporting a
 * factory, and one line here, e.g.
 *
 *   ...(config.motion ? [createMotionStage(config.motion, config.source)] : []),
 *
 * Order matters: gates run in this order (the first that skips decides) and so do result stages (each gets the
 * prediction the one before returned). None is configurable yet, so every pipeline has none.
 */
import type { PipelineConfig } from '../config/types.js';
import type { Stage } from './types.js';

export function createStages(_config: PipelineConfig): Stage[] {
  return [];
}

export type { GateDecision, GateView, Stage, StageContext } from './types.js';

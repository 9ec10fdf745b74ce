/**
 * What commands may do to one pipeline (PipelineControl), over the few things of the pipeline they touch: its
 * lifecycle, the pause flag and the postprocessor's threshold. Kept apart from the stream assembly in pipeline.ts.
 */
import type { ControlOutcome, PipelineControl } from '../commands/control.js';
import type { Postprocessor } from '../postprocess/types.js';
import type { ThresholdSetting } from '../postprocess/threshold.js';
import type { Logger } from '../core/log.js';

/** The parts of a pipeline a command reads or changes (getters: read at the time of the command). */
export interface ControlledPipeline {
  readonly name: string;
  readonly state: string;
  readonly stopping: boolean;
  paused: boolean;
  /** Absent until the pipeline has started. */
  readonly postprocessor: Postprocessor | undefined;
  readonly postprocessKind: string;
  readonly logger: Logger;
  readonly requestReload?: () => Promise<{ ok: boolean; message: string }>;
}

function notAvailable(message: string): ControlOutcome {
  return { ok: false, error: { code: 'unavailable', message } };
}

export function pipelineControl(target: ControlledPipeline): PipelineControl {
  /** Commands change a pipeline that runs (or is starting), not one that ended, failed or is stopping. */
  const notRunning = (command: string): ControlOutcome | undefined => {
    if (!target.stopping && target.state !== 'failed' && target.state !== 'ended') return undefined;
    return { ok: false, error: { code: 'not_running', message: `${command}: pipeline ${target.name} is ${target.state}` } };
  };

  const setPaused = (paused: boolean): ControlOutcome => {
    const refused = notRunning(paused ? 'pause' : 'resume');
    if (refused) return refused;
    if (target.paused !== paused) target.logger.log('info', `pipeline ${target.name}: ${paused ? 'paused' : 'resumed'} by a command`);
    target.paused = paused;
    return { ok: true };
  };

  const setThreshold = (setting: ThresholdSetting): ControlOutcome => {
    const refused = notRunning('set_threshold');
    if (refused) return refused;
    const postprocessor = target.postprocessor;
    if (!postprocessor) return notAvailable(`set_threshold: pipeline ${target.name} is ${target.state}; try again once it runs`);
    const threshold = postprocessor.threshold;
    if (!threshold) {
      return { ok: false, error: { code: 'not_applicable', message: `set_threshold: postprocess.kind ${target.postprocessKind} of pipeline ${target.name} has no threshold` } };
    }
    const problem = threshold.set(setting);
    if (problem) return { ok: false, error: { code: 'not_applicable', message: `set_threshold: ${problem}` } };
    target.logger.log('info', `pipeline ${target.name}: threshold set by a command`, { threshold: threshold.current() });
    return { ok: true };
  };

  return {
    pause: () => setPaused(true),
    resume: () => setPaused(false),
    setThreshold,
    ...(target.requestReload ? { reload: target.requestReload } : {}),
    state: () => ({
      pipeline: target.name,
      state: target.state,
      paused: target.paused,
      ...(target.postprocessor?.threshold ? { threshold: target.postprocessor.threshold.current() } : {}),
    }),
  };
}

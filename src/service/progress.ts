/**
 * Is the service making progress? The watchdog is pinged only when it is, so systemd restarts a service whose
 * pipelines are stuck (a hung delegate, a dead stream) and not only one whose event loop is blocked.
 *
 * Reads the counters directly: `Pipeline.report()` resets the fps window of the stats lines, so it is not called.
 */
import type { DropReason } from '../core/stats-report.js';
import type { Supervisor } from '../pipeline/supervisor.js';

/** Drops that end a frame's processing (as a prediction would), as opposed to frames never taken in. */
const FINISHING_DROPS: readonly DropReason[] = ['preprocess_error', 'infer_error', 'infer_timeout', 'postprocess_error'];

/** One pipeline's counters at one moment. */
export interface ProgressSample {
  name: string;
  /** Pipeline or supervisor state: 'running', 'starting', 'backoff', 'ended', ... */
  state: string;
  delegate: string;
  framesIn: number;
  framesOut: number;
  /** All drops, every reason. */
  dropped: number;
  /** Frames gate stages let skip inference (src/stages): like drops at the door, taken in and done with. */
  skipped?: number;
  /**
   * Frames whose processing ended: predictions, and frames that failed in a stage (preprocess, invoke,
   * postprocess). Drops at the door (a full buffer, every, max_fps, paused, thermal) are not in it: a live source
   * keeps causing them while an invoke hangs.
   */
  finished: number;
  /** The supervisor's last error for a failing pipeline. */
  lastError?: string;
}

/** Samples every pipeline of the supervisors (those in backoff included, with their last counters or zeros). */
export function sampleSupervisors(supervisors: readonly Supervisor[]): ProgressSample[] {
  return supervisors.flatMap((supervisor) => {
    const byName = new Map(supervisor.pipelines().map((p) => [p.name, p]));
    return supervisor.status().map((status) => {
      const pipeline = byName.get(status.name);
      return {
        name: status.name,
        state: status.state,
        delegate: status.delegate,
        framesIn: pipeline?.stats.framesIn ?? 0,
        framesOut: pipeline?.stats.framesOut ?? 0,
        dropped: pipeline?.stats.dropped ?? 0,
        skipped: pipeline?.skipped ?? 0,
        finished: (pipeline?.stats.framesOut ?? 0) + FINISHING_DROPS.reduce((n, reason) => n + (pipeline?.stats.drops[reason] ?? 0), 0),
        ...(status.lastError ? { lastError: status.lastError } : {}),
      };
    });
  });
}

export type Verdict = { progress: true } | { progress: false; stalled: string[] };

/**
 * Compares samples between two watchdog ticks. A running pipeline is stalled when it holds frames (in > out +
 * dropped) and finished none since the previous tick: no prediction, no frame failed in a stage. Frames a full
 * buffer turned away do not count as progress (a camera keeps sending while an invoke hangs). A source with nothing
 * to give (a watched folder with no new file, a finite source that ended) is idle, not stalled: nothing is pending.
 * Pipelines that are starting, in backoff or ended are the supervisor's business and do not stop the pings.
 */
export class ProgressTracker {
  private previous = new Map<string, ProgressSample>();

  check(samples: readonly ProgressSample[]): Verdict {
    const stalled: string[] = [];
    for (const sample of samples) {
      const before = this.previous.get(sample.name);
      const pending = sample.framesIn - sample.framesOut - sample.dropped - (sample.skipped ?? 0);
      const moved = !before || sample.finished !== before.finished || sample.framesIn < before.framesIn; // restarted
      if (sample.state === 'running' && pending > 0 && !moved) stalled.push(sample.name);
    }
    this.previous = new Map(samples.map((s) => [s.name, s]));
    return stalled.length === 0 ? { progress: true } : { progress: false, stalled };
  }
}

/**
 * The STATUS= line: `2/3 pipelines running, 1 failed (door: model missing); 14.8 fps out; delegates xnnpack`.
 * fps is computed from framesOut between this sample and `previous`, over `seconds`.
 */
export function statusLine(samples: readonly ProgressSample[], previous: readonly ProgressSample[] | undefined, seconds: number): string {
  const running = samples.filter((s) => s.state === 'running');
  const failed = samples.filter((s) => s.state === 'backoff' || s.state === 'failed');
  const ended = samples.filter((s) => s.state === 'ended');
  const parts = [`${running.length}/${samples.length} pipelines running`];
  if (failed.length > 0) {
    const names = failed.map((s) => (s.lastError ? `${s.name}: ${s.lastError}` : s.name)).join(', ');
    parts[0] += `, ${failed.length} failed (${names})`;
  }
  if (ended.length > 0) parts[0] += `, ${ended.length} ended`;
  if (previous && seconds > 0) {
    const before = new Map(previous.map((s) => [s.name, s.framesOut]));
    const frames = samples.reduce((n, s) => n + Math.max(0, s.framesOut - (before.get(s.name) ?? s.framesOut)), 0);
    parts.push(`${(frames / seconds).toFixed(1)} fps out`);
  }
  const delegates = [...new Set(running.map((s) => s.delegate))].sort();
  if (delegates.length > 0) parts.push(`delegate ${delegates.join(',')}`);
  return parts.join('; ');
}

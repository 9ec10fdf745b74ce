/**
 * pause, resume and snapshot from the live view go through the same CommandDispatcher (rate limit, strict parse,
 * one answer each) as the MQTT commands. The control behind it looks the pipeline up at each command, so a
 * restart or a reload does not leave the live view holding a stopped instance; snapshot takes the tap's next frame.
 */
import type { ControlOutcome, PipelineControl } from '../commands/control.js';
import { CommandDispatcher } from '../commands/dispatcher.js';
import type { CommandResponse } from '../commands/protocol.js';
import type { Logger } from '../core/log.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { FrameTap } from './frame-tap.js';
import type { SnapshotStore } from './snapshot-store.js';

/** Commands per second per pipeline from the live view (the MQTT default). */
const COMMANDS_PER_SECOND = 5;
/** How long a snapshot waits for the next frame, ms. */
export const SNAPSHOT_WAIT_MS = 5000;

export type LiveCommand = 'pause' | 'resume' | 'snapshot';

export function liveDispatcher(name: string, pipeline: () => Pipeline | undefined, tap: FrameTap, store: SnapshotStore, logger: Logger): CommandDispatcher {
  const notRunning = (command: string): ControlOutcome => ({ ok: false, error: { code: 'not_running', message: `${command}: pipeline ${name} is not running` } });
  const current = (): PipelineControl | undefined => pipeline()?.control;
  const control: PipelineControl = {
    pause: () => current()?.pause() ?? notRunning('pause'),
    resume: () => current()?.resume() ?? notRunning('resume'),
    setThreshold: (setting) => current()?.setThreshold(setting) ?? notRunning('set_threshold'),
    snapshot: async () => {
      const next = tap.nextFrame(SNAPSHOT_WAIT_MS);
      if (next === 'busy') return { ok: false, error: { code: 'busy', message: 'snapshot: too many frames are being waited for; try again' } };
      const frame = await next;
      if (!frame) {
        return { ok: false, error: { code: 'unavailable', message: `snapshot: no frame within ${SNAPSHOT_WAIT_MS / 1000} s (paused, or the source is down?)` } };
      }
      const id = store.add(frame.jpeg);
      if (!id) return { ok: false, error: { code: 'failed', message: `snapshot: the frame's JPEG (${frame.jpeg.byteLength} bytes) is larger than the live view keeps` } };
      return { ok: true, message: `/api/snapshots/${id}.jpg` };
    },
    state: () => current()?.state() ?? { pipeline: name, state: 'stopped', paused: false },
  };
  return new CommandDispatcher(control, { maxPerSecond: COMMANDS_PER_SECOND, logger });
}

/** The HTTP status and body of a command's response: 200 when done, 429 when rate limited, 409 otherwise. */
export function commandAnswer(command: LiveCommand, response: CommandResponse): { status: number; body: Record<string, unknown> } {
  if (response.ok) {
    const message = response.message ?? `${command}: done`;
    return { status: 200, body: command === 'snapshot' ? { ok: true, message: 'snapshot: taken', url: message } : { ok: true, message } };
  }
  const status = response.error?.code === 'rate_limited' ? 429 : 409;
  return { status, body: { ok: false, message: response.error?.message ?? `${command} failed` } };
}

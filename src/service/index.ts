/** The systemd side of `edgepipe run`: notifications from our own PID, watchdog on progress, reload on SIGHUP. */
import type { Logger } from '../core/log.js';
import { watchdogIntervalMs } from './notify-message.js';
import { transportFromEnv } from './notify-transport.js';
import { ServiceNotifier } from './notifier.js';
import type { ProgressSample } from './progress.js';

export { ServiceNotifier, type NotifierState } from './notifier.js';
export { sampleSupervisors, type ProgressSample } from './progress.js';

/**
 * The notifier for this process: reads NOTIFY_SOCKET, EDGEPIPE_NOTIFY_FD, WATCHDOG_USEC and WATCHDOG_PID, removes
 * the first two from `env`, and logs which transport it uses (or why systemd will hear nothing).
 * `underSystemd` is true when systemd asked for notifications (then SIGHUP means reload, not hang-up).
 */
export function serviceNotifierFromEnv(
  sample: () => ProgressSample[],
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
): { notifier: ServiceNotifier; underSystemd: boolean } {
  const underSystemd = Boolean(env['NOTIFY_SOCKET'] || env['EDGEPIPE_NOTIFY_FD']);
  const watchdogMs = watchdogIntervalMs(env, pid);
  const { transport, warning } = transportFromEnv(env);
  if (warning) logger.log('warn', `service: ${warning}`);
  else if (underSystemd) {
    logger.log('info', `service: notifying systemd through ${transport.description}${watchdogMs ? `, watchdog ping every ${watchdogMs} ms while pipelines progress` : ''}`);
  }
  return { notifier: new ServiceNotifier({ transport, sample, logger, ...(watchdogMs ? { watchdogMs } : {}) }), underSystemd };
}

/** The live view in the browser (docs/live-view.md): routes, frame taps, auth. */
import type { HttpConfig } from '../config/types.js';
import type { Logger } from '../core/log.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import { readToken } from './auth.js';
import { LiveServer } from './live-server.js';

export { LiveServer, type LiveServerOptions } from './live-server.js';
export type { LiveState } from './live-state.js';

/**
 * The live view for runtime.http, or undefined when `live.enabled` is false. Reads the token (ERR_CONFIG naming
 * the field when it cannot). `webRoot` overrides the package's web/ folder (tests).
 */
export function liveServerFor(config: HttpConfig, supervisors: () => readonly Supervisor[], logger: Logger, webRoot?: string): LiveServer | undefined {
  if (config.live?.enabled === false) return undefined;
  return new LiveServer({
    supervisors,
    logger,
    ...(config.live ? { maxViewers: config.live.maxViewers, maxFps: config.live.maxFps } : {}),
    ...(config.auth ? { token: readToken(config.auth) } : {}),
    ...(webRoot ? { webRoot } : {}),
  });
}

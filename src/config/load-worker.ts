/**
 * The worker thread of loadConfigFilesOffThread: loads the files named in workerData and posts back the
 * validated configs or the problems. Only plain data crosses the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfigFiles } from './load.js';
import type { LoadOutcome, LoadRequest, LoadResponse } from './load-off-thread.js';
import { ConfigError } from './problems.js';
import { registeredSecrets } from '../runtime/secrets.js';

const request = workerData as LoadRequest;
let outcome: LoadOutcome;
try {
  const configs = await loadConfigFiles(request.paths, { env: request.env, checkFiles: request.checkFiles });
  outcome = { kind: 'configs', configs };
} catch (error) {
  if (error instanceof ConfigError) outcome = { kind: 'problems', problems: [...error.problems] };
  else outcome = { kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
const response: LoadResponse = { ...outcome, secrets: registeredSecrets() };
parentPort?.postMessage(response);

/**
 * The worker thread of loadConfigFilesOffThread: loads the files named in workerData and posts back the
 * validated configs or the problems. Only plain data crosses the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfigFiles } from './load.js';
import type { LoadRequest, LoadResponse } from './load-off-thread.js';
import { ConfigError } from './problems.js';

const request = workerData as LoadRequest;
let response: LoadResponse;
try {
  const configs = await loadConfigFiles(request.paths, { env: request.env, checkFiles: request.checkFiles });
  response = { kind: 'configs', configs };
} catch (error) {
  if (error instanceof ConfigError) response = { kind: 'problems', problems: [...error.problems] };
  else response = { kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
parentPort?.postMessage(response);

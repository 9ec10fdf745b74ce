/**
 * loadConfigFiles on a worker thread, for `edgepipe run` (start and every reload) and `edgepipe validate`.
 * Reading, parsing and validating a large legal file takes up to seconds of CPU (docs/benchmarks.md); on the main
 * thread that would stall every running pipeline's timers, sockets and MQTT keepalives. The worker's heap is
 * capped and it has a time limit, so a file that is within the size and node limits but still costly cannot
 * take the process down either.
 */
import { compiledWorkerFile, runWorkerOnce } from '../core/run-worker-once.js';
import { EdgepipeError } from '../runtime/errors.js';
import { registerSecret } from '../runtime/secrets.js';
import type { LoadOptions } from './load.js';
import { deepFreeze } from './parse.js';
import { ConfigError, type ConfigProblem } from './problems.js';
import type { ConfigFile } from './types.js';

/** What the worker is given (workerData). */
export interface LoadRequest {
  paths: string[];
  env: Record<string, string | undefined>;
  checkFiles: boolean;
}

/** What the worker's load came to. */
export type LoadOutcome =
  | { kind: 'configs'; configs: ConfigFile[] }
  | { kind: 'problems'; problems: ConfigProblem[] }
  | { kind: 'failed'; message: string };

/** What the worker posts back. */
export type LoadResponse = LoadOutcome & {
  /** The secrets the worker met (src/runtime/secrets.ts): registered here too, so every exit here hides them. */
  secrets: string[];
};

export interface OffThreadOptions extends LoadOptions {
  /** The worker is stopped and the load refused after this long, in ms. Default 60,000. */
  timeoutMs?: number;
  /** The worker's V8 old-generation heap limit, in MB. Default 512 (a legal 1 MiB file peaks near 150). */
  maxHeapMb?: number;
}

/**
 * loadConfigFiles (same results, same ConfigError) with the work on a worker thread; the results are frozen. Run
 * from the sources (vitest), the worker is the one in dist/, so tests need `npm run build` first.
 */
export async function loadConfigFilesOffThread(paths: readonly string[], options: OffThreadOptions = {}): Promise<ConfigFile[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxHeapMb = options.maxHeapMb ?? 512;
  // `env` goes in the request only: the worker's own process.env stays this process's, as on this thread.
  const env = { ...(options.env ?? process.env) };
  const request: LoadRequest = { paths: [...paths], env, checkFiles: options.checkFiles ?? true };
  const end = await runWorkerOnce<LoadResponse>(compiledWorkerFile(import.meta.url, 'load-worker.js'), { workerData: request, timeoutMs, maxHeapMb });
  const refuse = (message: string, cause?: unknown): EdgepipeError =>
    new EdgepipeError('ERR_CONFIG_LOAD', message, { exitCode: 2, ...(cause === undefined ? {} : { cause }) });
  switch (end.kind) {
    case 'answered': {
      const response = end.message;
      for (const secret of response.secrets) registerSecret(secret);
      if (response.kind === 'configs') return response.configs.map((config) => deepFreeze(config));
      if (response.kind === 'problems') throw new ConfigError(response.problems);
      throw refuse(`loading the configuration failed: ${response.message}`);
    }
    case 'missing': throw new EdgepipeError('ERR_CONFIG_LOAD', `${end.file} is missing; run \`npm run build\``);
    case 'timeout': throw refuse(`loading the configuration took more than ${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}; refused`);
    case 'out-of-memory': throw refuse(`loading the configuration needed more than ${maxHeapMb} MB of memory; refused`, end.error);
    case 'threw': throw refuse(`loading the configuration failed: ${end.error.message}`, end.error);
    case 'exited': throw refuse(`loading the configuration failed: the worker exited with code ${end.code}`);
    case 'aborted': throw refuse('loading the configuration was cancelled'); // no signal is given: cannot happen
  }
}

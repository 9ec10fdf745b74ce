/**
 * loadConfigFiles on a worker thread, for `edgepipe run` (start and every reload) and `edgepipe validate`.
 * Reading, parsing and validating a large legal file takes up to seconds of CPU (docs/benchmarks.md); on the main
 * thread that would stall every running pipeline's timers, sockets and MQTT keepalives. The worker's heap is
 * capped and it has a time limit, so a file that is within the size and node limits but still costly cannot
 * take the process down either.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
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

/** The compiled worker; run from the sources (vitest), the one in dist/, so tests need `npm run build` first. */
function workerFile(): string {
  const compiled = import.meta.url.endsWith('.ts') ? new URL('../../dist/config/load-worker.js', import.meta.url) : new URL('./load-worker.js', import.meta.url);
  const file = fileURLToPath(compiled);
  if (!existsSync(file)) throw new EdgepipeError('ERR_CONFIG_LOAD', `${file} is missing; run \`npm run build\``);
  return file;
}

/** loadConfigFiles (same results, same ConfigError) with the work on a worker thread; the results are frozen. */
export function loadConfigFilesOffThread(paths: readonly string[], options: OffThreadOptions = {}): Promise<ConfigFile[]> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxHeapMb = options.maxHeapMb ?? 512;
  const env = { ...(options.env ?? process.env) };
  const request: LoadRequest = { paths: [...paths], env, checkFiles: options.checkFiles ?? true };
  return new Promise<ConfigFile[]>((resolve, reject) => {
    // `env` goes in the request only: the worker's own process.env stays this process's, as on this thread.
    const worker = new Worker(workerFile(), { workerData: request, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
      void worker.terminate();
    };
    const refuse = (message: string, cause?: unknown): void =>
      settle(() => reject(new EdgepipeError('ERR_CONFIG_LOAD', message, { exitCode: 2, ...(cause === undefined ? {} : { cause }) })));
    const timer = setTimeout(() => refuse(`loading the configuration took more than ${timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`}; refused`), timeoutMs);
    worker.once('message', (response: LoadResponse) => {
      for (const secret of response.secrets) registerSecret(secret);
      if (response.kind === 'configs') settle(() => resolve(response.configs.map((config) => deepFreeze(config))));
      else if (response.kind === 'problems') settle(() => reject(new ConfigError(response.problems)));
      else refuse(`loading the configuration failed: ${response.message}`);
    });
    worker.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') refuse(`loading the configuration needed more than ${maxHeapMb} MB of memory; refused`, error);
      else refuse(`loading the configuration failed: ${error.message}`, error);
    });
    worker.once('exit', (code) => refuse(`loading the configuration failed: the worker exited with code ${code}`));
  });
}

/**
 * One job on a worker_threads Worker: start it with its data, wait for its one answer, and stop it. Shared by the
 * off-thread model conversion (src/optimize/convert-off-thread.ts) and the off-thread configuration load
 * (src/config/load-off-thread.ts), which each turn the ways a worker can end into their own errors and messages.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface RunWorkerOnceOptions {
  /** Given to the worker as `workerData` (structured-cloned). */
  readonly workerData: unknown;
  /** The worker is stopped and the run ends as `timeout` after this long, in ms (> 0). */
  readonly timeoutMs: number;
  /** The worker's V8 old-generation heap limit, in MB (> 0). */
  readonly maxHeapMb: number;
  /** Aborting (or an already aborted signal) stops the worker; the run ends as `aborted`. */
  readonly signal?: AbortSignal;
}

/** How a worker run ended; whichever comes first wins, and the worker is terminated after it. */
export type WorkerEnd<T> =
  | { readonly kind: 'answered'; readonly message: T }
  | { readonly kind: 'missing'; readonly file: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'out-of-memory'; readonly error: Error }
  | { readonly kind: 'threw'; readonly error: Error }
  | { readonly kind: 'exited'; readonly code: number };

/**
 * The compiled worker script `name` (e.g. `convert-worker.js`) beside the module at `moduleUrl` (its
 * `import.meta.url`). From the sources (vitest runs the .ts files) that is the one in dist/, at the same place
 * under dist/ as the module is under src/, so such tests need `npm run build` first.
 */
export function compiledWorkerFile(moduleUrl: string, name: string): string {
  const module = fileURLToPath(moduleUrl);
  const dir = path.dirname(module);
  if (!module.endsWith('.ts')) return path.join(dir, name);
  const src = `${path.sep}src${path.sep}`;
  const at = `${dir}${path.sep}`.lastIndexOf(src);
  if (at < 0) return path.join(dir, name);
  return path.join(`${dir.slice(0, at)}${path.sep}dist${path.sep}${dir.slice(at + src.length)}`, name);
}

/**
 * Runs the worker script `file` once and resolves with how it ended (never rejects): its first message, a throw
 * or an exit without answering, running out of its heap, the time limit, or the abort signal. The worker is
 * terminated as soon as the run has ended, so nothing of it outlives the promise.
 */
export function runWorkerOnce<T>(file: string, options: RunWorkerOnceOptions): Promise<WorkerEnd<T>> {
  if (!existsSync(file)) return Promise.resolve({ kind: 'missing', file });
  return new Promise((resolve) => {
    const worker = new Worker(file, { workerData: options.workerData, resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } });
    let settled = false;
    const end = (outcome: WorkerEnd<T>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
      void worker.terminate();
    };
    const onAbort = (): void => end({ kind: 'aborted' });
    const timer = setTimeout(() => end({ kind: 'timeout' }), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted === true) onAbort();
    worker.once('message', (message: T) => end({ kind: 'answered', message }));
    worker.once('error', (error: NodeJS.ErrnoException) =>
      end(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'out-of-memory', error } : { kind: 'threw', error }));
    worker.once('exit', (code) => end({ kind: 'exited', code }));
  });
}

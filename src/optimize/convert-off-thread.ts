/**
 * optimizeModelBytes on a worker thread, for `model.optimize: auto` at pipeline start: rewriting MobileNet v2 takes
 * about 0.7 s of CPU (measured here), which on the main thread would stall every running pipeline's timers,
 * sockets and MQTT keepalives. The worker's heap is capped and it has a time limit.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EdgepipeError } from '../runtime/errors.js';
import type { ConversionSummary } from './convert.js';
import { OptimizeError } from './errors.js';

export interface ConvertRequest {
  bytes: Uint8Array;
  name: string;
}

export type ConvertResponse =
  | { kind: 'converted'; bytes: Uint8Array; summary: ConversionSummary }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

export interface ConvertOffThreadOptions {
  /** The worker is stopped and the conversion refused after this long, in ms. Default 120,000. */
  timeoutMs?: number;
  /** The worker's V8 old-generation heap limit, in MB. Default 512 (MobileNet v2 needs about 60 MB). */
  maxHeapMb?: number;
  /** Aborting terminates the worker (the pipeline stops meanwhile). */
  signal?: AbortSignal;
}

/** The compiled worker; run from the sources (vitest), the one in dist/, so tests need `npm run build` first. */
function workerFile(): string {
  const compiled = import.meta.url.endsWith('.ts') ? new URL('../../dist/optimize/convert-worker.js', import.meta.url) : new URL('./convert-worker.js', import.meta.url);
  const file = fileURLToPath(compiled);
  if (!existsSync(file)) throw new EdgepipeError('ERR_OPTIMIZE_WORKER', `${file} is missing; run \`npm run build\``);
  return file;
}

/**
 * Converts `bytes` (copied to the worker) as `edgepipe optimize` does with uint8 inputs and outputs.
 * @throws OptimizeError with the converter's message for a model it refuses; EdgepipeError when the worker fails,
 *   runs out of time or memory, or is aborted
 */
export function convertOffThread(bytes: Uint8Array, name: string, options: ConvertOffThreadOptions = {}): Promise<{ bytes: Uint8Array; summary: ConversionSummary }> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxHeapMb = options.maxHeapMb ?? 512;
  const request: ConvertRequest = { bytes, name };
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile(), { workerData: request, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
      void worker.terminate();
    };
    const fail = (message: string, cause?: unknown): void =>
      settle(() => reject(new EdgepipeError('ERR_OPTIMIZE_WORKER', message, cause === undefined ? {} : { cause })));
    const onAbort = (): void => fail('conversion cancelled: the pipeline is stopping');
    options.signal?.addEventListener('abort', onAbort);
    if (options.signal?.aborted) onAbort();
    const timer = setTimeout(() => fail(`conversion took more than ${Math.round(timeoutMs / 1000)} s; stopped`), timeoutMs);
    worker.once('message', (response: ConvertResponse) => {
      if (response.kind === 'converted') settle(() => resolve({ bytes: response.bytes, summary: response.summary }));
      else if (response.kind === 'refused') settle(() => reject(new OptimizeError(response.message)));
      else fail(`conversion failed: ${response.message}`);
    });
    worker.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') fail(`conversion needed more than ${maxHeapMb} MB of memory; stopped`, error);
      else fail(`conversion failed: ${error.message}`, error);
    });
    worker.once('exit', (code) => fail(`conversion failed: the worker exited with code ${code}`));
  });
}

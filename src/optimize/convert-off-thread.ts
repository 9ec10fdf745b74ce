/**
 * optimizeModelBytes on a worker thread, for `model.optimize: auto` at pipeline start: rewriting MobileNet v2 takes
 * about 0.7 s of CPU (measured here), which on the main thread would stall every running pipeline's timers,
 * sockets and MQTT keepalives. The worker's heap is capped and it has a time limit.
 */
import { compiledWorkerFile, runWorkerOnce } from '../core/run-worker-once.js';
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

/**
 * Converts `bytes` (copied to the worker) as `edgepipe optimize` does with uint8 inputs and outputs. Run from the
 * sources (vitest), the worker is the one in dist/, so tests need `npm run build` first.
 * @throws OptimizeError with the converter's message for a model it refuses; EdgepipeError when the worker fails,
 *   runs out of time or memory, or is aborted
 */
export async function convertOffThread(bytes: Uint8Array, name: string, options: ConvertOffThreadOptions = {}): Promise<{ bytes: Uint8Array; summary: ConversionSummary }> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const maxHeapMb = options.maxHeapMb ?? 512;
  const request: ConvertRequest = { bytes, name };
  const end = await runWorkerOnce<ConvertResponse>(compiledWorkerFile(import.meta.url, 'convert-worker.js'), {
    workerData: request, timeoutMs, maxHeapMb, ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const fail = (message: string, cause?: unknown): EdgepipeError =>
    new EdgepipeError('ERR_OPTIMIZE_WORKER', message, cause === undefined ? {} : { cause });
  switch (end.kind) {
    case 'answered': {
      const response = end.message;
      if (response.kind === 'converted') return { bytes: response.bytes, summary: response.summary };
      if (response.kind === 'refused') throw new OptimizeError(response.message);
      throw fail(`conversion failed: ${response.message}`);
    }
    case 'missing': throw fail(`${end.file} is missing; run \`npm run build\``);
    case 'aborted': throw fail('conversion cancelled: the pipeline is stopping');
    case 'timeout': throw fail(`conversion took more than ${Math.round(timeoutMs / 1000)} s; stopped`);
    case 'out-of-memory': throw fail(`conversion needed more than ${maxHeapMb} MB of memory; stopped`, end.error);
    case 'threw': throw fail(`conversion failed: ${end.error.message}`, end.error);
    case 'exited': throw fail(`conversion failed: the worker exited with code ${end.code}`);
  }
}

/**
 * How the engine judges and reports a pipeline's source: which failures a retry cannot mend, the retry backoff,
 * and the health the stats report carries (the source's own counters plus the engine's retries and downtime).
 */
import type { SourceConfig } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { SourceHealth } from '../sources/types.js';
import type { BackoffOptions } from './backoff.js';
import type { SourceRetry } from './source-retry.js';

/** Codes of source errors that mean the configured input is not there or not usable (sources/errors.ts). */
const INPUT_GONE = new Set(['ERR_SOURCE_NOT_FOUND', 'ERR_SOURCE_EMPTY', 'ERR_SOURCE_UNSUPPORTED', 'ERR_SOURCE_INVALID']);

/**
 * A failure no retry can mend: an `images` source (without `watch`) reads a fixed set of files; once its path is
 * gone, empty or unusable, subscribing again finds the same. (At start `validate` refuses such a path, exit 2; this
 * is the same verdict for a folder removed later.) Live inputs (cameras, a watched folder, brokers) may come back:
 * they are retried.
 */
export function cannotStartAgain(config: SourceConfig, error: Error): boolean {
  if (config.kind !== 'images' || config.watch) return false;
  return error instanceof EdgepipeError && INPUT_GONE.has(error.code);
}

/** The camera's `restart` backoff when it has one (default 500 ms to 30 s), else 1 s to 30 s; `override` wins. */
export function sourceBackoff(config: SourceConfig, override: { initialMs?: number; maxMs?: number } = {}): BackoffOptions {
  const own = 'restart' in config && config.restart ? config.restart : { initialMs: 1000, maxMs: 30_000 };
  return { initialMs: override.initialMs ?? own.initialMs, maxMs: override.maxMs ?? own.maxMs };
}

/**
 * The source's health as reported: its own (supervised sources) with the engine's re-subscriptions added to the
 * restarts and its downtime (counted while down, not only once the source is back) added to the source's own
 * restart gaps. A source without health of its own is reported once it has failed.
 */
export function sourceHealth(own: SourceHealth | undefined, retry: SourceRetry | undefined): SourceHealth | undefined {
  if (!retry || (retry.resubscriptions === 0 && retry.state !== 'down')) return own;
  const base: SourceHealth = own ?? { state: 'running', restarts: 0, corruptFrames: 0, downtimeMs: 0 };
  return {
    ...base,
    state: retry.state === 'down' ? 'restarting' : base.state,
    restarts: base.restarts + retry.resubscriptions,
    downtimeMs: Math.round(base.downtimeMs + retry.downtimeMs()),
  };
}

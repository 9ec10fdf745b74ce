/**
 * The one owner of a source's retries once its pipeline runs: a source whose stream fails (a camera that refuses,
 * a missing /dev/video0, a broker that is gone) is subscribed again after an exponential backoff with jitter,
 * while the pipeline keeps its model, interpreters and sinks. Before this, the pipeline's supervisor restarted the
 * whole pipeline (model probed and loaded again) around the camera's own five restarts: a dead camera printed ~35
 * lines in 20 s. The camera's child supervisor now gives up after one run without a frame (SourceContext.maxEmptyRuns)
 * and retries happen here only.
 *
 * The log says what changes, once: `down` (with the error) when the source stops, `still down after N attempts
 * (T s)` at most every `stillDownEveryMs`, `up again after N attempts (T s down)` when frames come back. The source's
 * own warnings (a producer's stderr) are held while it is known to be down and counted in those lines.
 *
 * A source that can never start again (permanent(error): an images folder that was removed) is not retried: the
 * error ends the stream and the pipeline fails for good.
 */
import { Observable, type Subscription } from 'rxjs';
import type { Frame } from '../core/frame.js';
import type { Logger } from '../core/log.js';
import type { FrameSource } from '../sources/types.js';
import type { SourceNotice } from '../sinks/types.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

export interface SourceRetryOptions {
  logger: Logger;
  backoff: BackoffOptions;
  /** While down, a `still down` line at most this often, ms (default 60000). */
  stillDownEveryMs?: number;
  /** Errors after which a new subscription cannot succeed: not retried. */
  permanent?: (error: Error) => boolean;
  /** [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Each change between down and up (not `still down`), for the sinks (the MQTT status). */
  onChange?: (change: SourceNotice) => void;
}

/** `starting`: the first subscription, no frame yet; `up`: frames came; `down`: failed, being retried. */
export type SourceLiveness = 'starting' | 'up' | 'down';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export class SourceRetry {
  private readonly source: FrameSource;
  private readonly options: SourceRetryOptions;
  private current: SourceLiveness = 'starting';
  /** Failed subscriptions since the source was last up (backoff and the repeat count). */
  private failures = 0;
  private downSince: number | undefined;
  private lastDownLineMs = 0;
  private finishedDowntimeMs = 0;
  private lastFrameMs: number | undefined;
  private lastFrameWallMs: number | undefined;
  private heldWarnings = 0;
  private lastError = '';
  /** Subscriptions started again after a failure (the source's restarts as the engine sees them). */
  resubscriptions = 0;

  constructor(source: FrameSource, options: SourceRetryOptions) {
    this.source = source;
    this.options = options;
  }

  get state(): SourceLiveness {
    return this.current;
  }

  /** Time without frames because the source was down, ms, the current outage included. */
  downtimeMs(now = performance.now()): number {
    return this.finishedDowntimeMs + (this.downSince === undefined ? 0 : now - this.downSince);
  }

  /** Milliseconds since the last frame (undefined before the first). */
  lastFrameAgeMs(now = performance.now()): number | undefined {
    return this.lastFrameMs === undefined ? undefined : now - this.lastFrameMs;
  }

  /** The source's warnings: logged, except while it is known to be down (held and counted). */
  warn(message: string): void {
    if (this.current === 'down') this.heldWarnings += 1;
    else this.options.logger.log('warn', message);
  }

  frames(): Observable<Frame> {
    return new Observable<Frame>((subscriber) => {
      let inner: Subscription | undefined;
      let timer: NodeJS.Timeout | undefined;
      let closed = false;
      const attempt = (): void => {
        timer = undefined;
        if (closed) return;
        inner = this.source.frames().subscribe({
          next: (frame) => {
            this.onFrame();
            subscriber.next(frame);
          },
          error: (error: unknown) => {
            if (closed) return;
            const failure = error instanceof Error ? error : new Error(String(error));
            if (this.options.permanent?.(failure)) {
              subscriber.error(failure);
              return;
            }
            timer = setTimeout(() => {
              this.resubscriptions += 1;
              attempt();
            }, this.onFailure(failure));
          },
          complete: () => subscriber.complete(),
        });
      };
      attempt();
      return () => {
        closed = true;
        clearTimeout(timer);
        inner?.unsubscribe();
      };
    });
  }

  private onFrame(): void {
    const now = performance.now();
    this.lastFrameMs = now;
    this.lastFrameWallMs = Date.now();
    if (this.current === 'up') return;
    if (this.current === 'down') {
      const downMs = now - (this.downSince ?? now);
      const held = this.heldWarnings > 0 ? `; ${this.heldWarnings} line${this.heldWarnings === 1 ? '' : 's'} of its output left out while down` : '';
      this.options.logger.log('info', `source ${this.source.name}: up again after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'} (${seconds(downMs)} down)${held}`);
    }
    if (this.downSince !== undefined) this.finishedDowntimeMs += now - this.downSince;
    this.downSince = undefined;
    this.failures = 0;
    this.heldWarnings = 0;
    const wasDown = this.current === 'down';
    this.current = 'up';
    if (wasDown) this.options.onChange?.({ kind: 'source', state: 'up', atMs: this.lastFrameWallMs, lastFrameMs: this.lastFrameWallMs });
  }

  /** Records the failure, logs it if it is news, and returns the wait before the next attempt, ms. */
  private onFailure(error: Error): number {
    const now = performance.now();
    this.failures += 1;
    this.lastError = error.message.startsWith(`source ${this.source.name}: `) ? error.message.slice(`source ${this.source.name}: `.length) : error.message;
    const delay = backoffDelay(this.failures, this.options.backoff, this.options.random);
    const { logger } = this.options;
    if (this.current !== 'down') {
      this.current = 'down';
      this.downSince = now;
      this.lastDownLineMs = now;
      logger.log('warn', `source ${this.source.name}: down: ${this.lastError}; retrying with backoff (${seconds(delay)}, up to ${seconds(this.options.backoff.maxMs)})`);
      const last = this.lastFrameWallMs;
      this.options.onChange?.({ kind: 'source', state: 'down', atMs: Date.now(), ...(last === undefined ? {} : { lastFrameMs: last }), error: this.lastError });
    } else if (now - this.lastDownLineMs >= (this.options.stillDownEveryMs ?? 60_000)) {
      this.lastDownLineMs = now;
      const held = this.heldWarnings > 0 ? `; ${this.heldWarnings} line${this.heldWarnings === 1 ? '' : 's'} of its output left out` : '';
      logger.log('warn', `source ${this.source.name}: still down after ${this.failures} attempts (${seconds(now - (this.downSince ?? now))}): ${this.lastError}${held}`);
    }
    return delay;
  }
}

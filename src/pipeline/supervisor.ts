/**
 * Runs several pipelines in one process. A pipeline that fails to start (invalid model, missing file) or whose
 * stream fails for another reason than its source is retried with exponential backoff and jitter; the others go
 * on. A failing source is retried by its pipeline (source-retry.ts), which keeps its model; a pipeline whose source
 * can never start again (Pipeline.gaveUp: an images folder removed) is not retried: it stays `failed`.
 */
import type { PipelineConfig } from '../config/types.js';
import { redact } from '../runtime/secrets.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Pipeline, type PipelineContext, type PipelineState } from './pipeline.js';

export { backoffDelay, type BackoffOptions } from './backoff.js';

export type SupervisedState = PipelineState | 'backoff';

export interface PipelineStatus {
  name: string;
  state: SupervisedState;
  delegate: string;
  attempts: number;
  lastError?: string;
  retryInMs?: number;
}

interface Entry {
  config: PipelineConfig;
  pipeline: Pipeline | undefined;
  state: SupervisedState;
  attempts: number;
  /** Whether a launch ever got to running. */
  ran: boolean;
  lastError?: string;
  retryAt?: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly entries: Entry[];
  private readonly context: PipelineContext;
  private readonly backoff: BackoffOptions;
  private stopping = false;
  private endWaiters: Array<() => void> = [];

  constructor(configs: readonly PipelineConfig[], context: PipelineContext, backoff: Partial<BackoffOptions> = {}) {
    this.entries = configs.map((config) => ({ config, pipeline: undefined, state: 'starting', attempts: 0, ran: false }));
    this.context = context;
    this.backoff = { initialMs: 1000, maxMs: 60_000, ...backoff };
  }

  /** Starts every pipeline; resolves once each is running or has reported its failure (READY for systemd). */
  async start(): Promise<void> {
    await Promise.all(this.entries.map((entry) => this.launch(entry)));
  }

  private async launch(entry: Entry): Promise<void> {
    if (this.stopping) return;
    entry.attempts += 1;
    entry.state = 'starting';
    const pipeline = new Pipeline(entry.config, this.contextFor(entry));
    entry.pipeline = pipeline;
    try {
      await pipeline.start();
      entry.state = 'running';
      entry.ran = true;
      delete entry.lastError;
      pipeline.finished.then(
        () => this.onFinished(entry, pipeline),
        (error: unknown) => this.onFailure(entry, pipeline, error),
      );
    } catch (error) {
      await this.onFailure(entry, pipeline, error);
    }
  }

  /**
   * The held file contents (context.files) are what a reload probed and what a rollback restores, and a retry
   * after a failure runs them again; but contents that never got a pipeline running (a model still being copied
   * when the service started) are not worth insisting on: later attempts read the files again, so a file fixed on
   * disk is picked up without a reload.
   */
  private contextFor(entry: Entry): PipelineContext {
    if (entry.attempts <= 1 || entry.ran || !this.context.files) return this.context;
    const { files: _held, ...context } = this.context;
    return context;
  }

  private onFinished(entry: Entry, pipeline: Pipeline): void {
    if (entry.pipeline !== pipeline) return;
    entry.state = pipeline.state;
    if (pipeline.state === 'ended') this.context.logger.log('info', `pipeline ${entry.config.name}: source ended`);
    this.checkAllEnded();
  }

  private async onFailure(entry: Entry, pipeline: Pipeline, error: unknown): Promise<void> {
    if (entry.pipeline !== pipeline) return;
    // Recorded redacted: it reaches the log, /healthz, /status and reload summaries (a file sink path may hold a secret).
    entry.lastError = redact((error as Error).message);
    await pipeline.stop().catch(() => undefined);
    if (this.stopping) return;
    if (pipeline.gaveUp) {
      entry.state = 'failed';
      this.context.logger.log('error', `pipeline ${entry.config.name}: failed for good (its source cannot start again), not retried: ${entry.lastError}`);
      this.checkAllEnded();
      return;
    }
    const delay = backoffDelay(entry.attempts, this.backoff);
    entry.state = 'backoff';
    entry.retryAt = Date.now() + delay;
    this.context.logger.log('error', `pipeline ${entry.config.name}: failed (attempt ${entry.attempts}): ${entry.lastError}; retrying in ${delay} ms`);
    entry.timer = setTimeout(() => void this.launch(entry), delay);
    this.checkAllEnded();
  }

  status(): PipelineStatus[] {
    return this.entries.map((entry) => ({
      name: entry.config.name,
      state: entry.state === 'running' && entry.pipeline ? entry.pipeline.state : entry.state,
      delegate: entry.pipeline?.delegate ?? 'none',
      attempts: entry.attempts,
      ...(entry.lastError ? { lastError: entry.lastError } : {}),
      ...(entry.state === 'backoff' && entry.retryAt ? { retryInMs: Math.max(0, entry.retryAt - Date.now()) } : {}),
    }));
  }

  pipelines(): Pipeline[] {
    return this.entries.flatMap((entry) => (entry.pipeline ? [entry.pipeline] : []));
  }

  /** Pipelines that failed for good (their source can never start again): `edgepipe run` then exits 2. */
  failedForGood(): string[] {
    return this.entries.filter((entry) => entry.state === 'failed').map((entry) => entry.config.name);
  }

  /** Resolves when no pipeline is running any more (sources ended or failed for good; failing ones keep being retried). */
  whenAllEnded(): Promise<void> {
    return new Promise((resolve) => {
      this.endWaiters.push(resolve);
      this.checkAllEnded();
    });
  }

  private checkAllEnded(): void {
    if (this.entries.some((entry) => entry.state !== 'ended' && entry.state !== 'failed')) return;
    const waiters = this.endWaiters;
    this.endWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops every pipeline: sources first, in-flight frames finished, sinks flushed; within `timeoutMs` if given (Pipeline.stop). */
  async stop(timeoutMs?: number): Promise<void> {
    this.stopping = true;
    for (const entry of this.entries) clearTimeout(entry.timer);
    await Promise.all(this.entries.map((entry) => entry.pipeline?.stop(timeoutMs)));
    for (const entry of this.entries) entry.state = 'stopped';
  }
}

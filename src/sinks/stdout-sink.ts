/**
 * The `stdout` sink: one JSON line per prediction on standard output (logs go to stderr), for `| jq`, journald
 * or a supervising process. Respects the stream's backpressure: while the stream's buffer is full, lines wait in a
 * bounded queue, and beyond that bound they are dropped and counted. A reader that goes away (EPIPE) does not
 * take the service down: the sink counts the error and drops from then on.
 */
import type { Writable } from 'node:stream';
import type { Prediction } from '../core/frame.js';
import { defaultSinkWarn, describeFsError } from './errors.js';
import { within } from './timing.js';
import { eventLine, predictionLine } from './json-lines.js';
import type { PipelineEvent } from '../core/events.js';
import { LineQueue, type LineQueueLimits } from './line-queue.js';
import type { PredictionSink, SinkContext, SinkStats } from './types.js';

export interface StdoutSinkOptions extends SinkContext {
  /** Where to write (default process.stdout). Tests pass their own stream. */
  stream?: Writable;
  /** Lines held while the stream is congested (default 1,000 lines, 4 MiB). */
  queue?: Partial<LineQueueLimits>;
  /** flush() waits at most this long, ms (default 5,000). */
  flushTimeoutMs?: number;
  /** stop() waits this long for the stream to take what was accepted, ms (default 5,000). */
  stopTimeoutMs?: number;
}

export class StdoutSink implements PredictionSink {
  readonly kind = 'stdout';
  readonly name: string;
  private readonly stream: Writable;
  private readonly queue: LineQueue;
  private readonly flushTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stopping: Promise<void> | undefined;
  /** The stream's buffer is full: wait for 'drain'. */
  private congested = false;
  /** The stream failed or closed: everything from now on is dropped. */
  private broken = false;
  /** write() calls whose callback has not come yet. */
  private inFlight = 0;
  private counts = { written: 0, dropped: 0, errors: 0 };
  private lastError: string | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly onDrain = (): void => {
    this.congested = false;
    this.pump();
  };
  private readonly onError = (error: Error): void => this.fail(error);
  private readonly onClose = (): void => this.fail(new Error('the stream was closed'));

  constructor(pipelineName: string, options: StdoutSinkOptions = {}) {
    this.name = `${pipelineName}/stdout`;
    this.stream = options.stream ?? process.stdout;
    this.queue = new LineQueue({ maxLines: 1000, maxBytes: 4 * 1024 * 1024, ...options.queue });
    this.flushTimeoutMs = options.flushTimeoutMs ?? 5000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5000;
    this.warn = options.warn ?? defaultSinkWarn;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.stream.on('drain', this.onDrain);
    this.stream.on('error', this.onError);
    this.stream.on('close', this.onClose);
    if (this.stream.destroyed || this.stream.writableEnded) this.fail(new Error('the stream is closed'));
  }

  write(prediction: Prediction): void {
    this.writeLine(() => predictionLine(prediction));
  }

  /** A stage's event as a JSON line among the predictions; queued and counted like them. */
  event(event: PipelineEvent): void {
    this.writeLine(() => eventLine(event));
  }

  private writeLine(make: () => string): void {
    if (this.state !== 'running' || this.broken) {
      this.counts.dropped += 1;
      return;
    }
    const line = make();
    if (this.congested || this.queue.length > 0) {
      if (!this.queue.push(line)) this.counts.dropped += 1;
      return;
    }
    this.send(line);
  }

  private send(line: string): void {
    this.inFlight += 1;
    const ok = this.stream.write(line, (error) => {
      if (this.broken) return; // counted as dropped when the stream broke
      this.inFlight -= 1;
      if (error) this.recordError(error);
      else this.counts.written += 1;
      this.checkIdle();
    });
    if (!ok) this.congested = true;
  }

  /** Hands queued lines to the stream until it is congested again. */
  private pump(): void {
    while (!this.congested && !this.broken && this.queue.length > 0) {
      const line = this.queue.peek()!;
      this.queue.remove(1);
      this.send(line);
    }
    this.checkIdle();
  }

  private recordError(error: Error): void {
    this.counts.errors += 1;
    this.lastError = describeFsError(error);
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = true;
    this.recordError(error);
    this.warn(`sink ${this.name}: cannot write to standard output: ${this.lastError}; dropping predictions from now on`);
    this.counts.dropped += this.queue.clear();
    // Writes the stream will never confirm are lost.
    this.counts.dropped += this.inFlight;
    this.inFlight = 0;
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /** True once every accepted line has been taken by the stream (its write callbacks came), false on timeout. */
  flush(): Promise<boolean> {
    return within(this.idle(), this.flushTimeoutMs);
  }

  private idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (!wasRunning) return;
    await within(this.idle(), this.stopTimeoutMs);
    this.counts.dropped += this.queue.clear();
    this.stream.off('drain', this.onDrain);
    this.stream.off('close', this.onClose);
    // A late EPIPE after stop must still not become an uncaught 'error' event: keep a quiet listener.
    this.stream.off('error', this.onError);
    if (this.stream.listenerCount('error') === 0) this.stream.once('error', () => undefined);
  }

  stats(): SinkStats {
    return {
      ...this.counts,
      pending: this.queue.length + this.inFlight,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }
}

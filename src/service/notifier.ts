/**
 * Tells systemd how the service is doing (Type=notify): READY=1 once every pipeline is running or has reported its
 * failure, a one-line STATUS, WATCHDOG=1 only while pipelines make progress, RELOADING=1/READY=1 around a reload,
 * STOPPING=1 on shutdown. The transport is injected; without systemd it is a NullTransport and nothing is sent.
 */
import type { Logger } from '../core/log.js';
import { formatNotifyMessage, type NotifyFields } from './notify-message.js';
import type { NotifyTransport } from './notify-transport.js';
import { ProgressTracker, statusLine, type ProgressSample } from './progress.js';

export type NotifierState = 'starting' | 'ready' | 'reloading' | 'stopping' | 'closed';

export interface ServiceNotifierOptions {
  transport: NotifyTransport;
  /** Counters of every pipeline, read at each tick. */
  sample: () => ProgressSample[];
  /** Watchdog ping period in ms (half WATCHDOG_USEC, see watchdogIntervalMs); undefined = no watchdog. */
  watchdogMs?: number;
  /** STATUS refresh period in ms when there is no watchdog (default 30000). */
  statusIntervalMs?: number;
  logger?: Logger;
  /** Monotonic clock in ms, for fps (default performance.now). */
  now?: () => number;
  /** CLOCK_MONOTONIC in µs for RELOADING=1 (default from process.hrtime, which is CLOCK_MONOTONIC on Linux). */
  monotonicUsec?: () => bigint;
}

export class ServiceNotifier {
  private stateValue: NotifierState = 'starting';
  private readonly options: ServiceNotifierOptions;
  private readonly tracker = new ProgressTracker();
  private timer: NodeJS.Timeout | undefined;
  private lastSample: { at: number; samples: ProgressSample[] } | undefined;
  private stalledBefore = false;
  /** Datagrams that could not be sent. */
  failedSends = 0;

  constructor(options: ServiceNotifierOptions) {
    this.options = options;
    const period = options.watchdogMs ?? options.statusIntervalMs ?? 30_000;
    // Ticks from the start: systemd's watchdog may already run while models are probed (up to 20 s each).
    this.timer = setInterval(() => this.tick(), period);
    this.timer.unref(); // the notifier never keeps the process alive
  }

  get state(): NotifierState {
    return this.stateValue;
  }

  /**
   * After Supervisor.start() resolved (or a reload finished): READY=1 with the first STATUS, which starts with
   * `note` when given (what the reload did).
   */
  ready(note?: string): void {
    if (this.stateValue !== 'starting' && this.stateValue !== 'reloading') return;
    this.stateValue = 'ready';
    const samples = this.options.sample();
    this.tracker.check(samples); // baseline: progress is measured from here
    this.lastSample = { at: this.now(), samples };
    const status = statusLine(samples, undefined, 0);
    this.send({ READY: 1, STATUS: note ? `${note}; ${status}` : status });
  }

  /** Before the pipelines are rebuilt on SIGHUP: RELOADING=1 (with MONOTONIC_USEC, as systemd >= 253 wants). */
  reloading(): void {
    if (this.stateValue !== 'ready') return;
    this.stateValue = 'reloading';
    const usec = this.options.monotonicUsec?.() ?? process.hrtime.bigint() / 1000n;
    this.send({ RELOADING: 1, MONOTONIC_USEC: usec, STATUS: 'reloading pipelines' });
  }

  /** On SIGTERM/SIGINT or when every source ended: STOPPING=1; no watchdog pings after it. */
  stopping(reason: string): void {
    if (this.stateValue === 'stopping' || this.stateValue === 'closed') return;
    this.stateValue = 'stopping';
    clearInterval(this.timer);
    this.send({ STOPPING: 1, STATUS: `stopping: ${reason}` });
  }

  /** Stops the timer and closes the transport. */
  close(): void {
    clearInterval(this.timer);
    this.stateValue = 'closed';
    this.options.transport.close();
  }

  /** One period: STATUS always, WATCHDOG=1 unless a running pipeline is stalled. */
  tick(): void {
    const watchdog = this.options.watchdogMs !== undefined;
    if (this.stateValue === 'starting' || this.stateValue === 'reloading') {
      // The event loop runs; how long starting may take is TimeoutStartSec's business.
      if (watchdog) this.send({ WATCHDOG: 1 });
      return;
    }
    if (this.stateValue !== 'ready') return;
    const samples = this.options.sample();
    const verdict = this.tracker.check(samples);
    const at = this.now();
    const status = statusLine(samples, this.lastSample?.samples, this.lastSample ? (at - this.lastSample.at) / 1000 : 0);
    this.lastSample = { at, samples };
    if (verdict.progress) {
      if (this.stalledBefore) this.options.logger?.log('info', 'service: pipelines make progress again');
      this.stalledBefore = false;
      this.send(watchdog ? { WATCHDOG: 1, STATUS: status } : { STATUS: status });
      return;
    }
    const names = verdict.stalled.join(', ');
    this.options.logger?.log('warn', `service: no progress in ${names}${watchdog ? ', watchdog ping withheld' : ''}`);
    this.stalledBefore = true;
    this.send({ STATUS: `stalled: ${names}; ${status}` });
  }

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  private send(fields: NotifyFields): void {
    if (!this.options.transport.send(formatNotifyMessage(fields))) this.failedSends += 1;
  }
}

/**
 * The inference side of a pipeline: a pool of interpreters on the best working delegate, invokes with a
 * timeout, failover down the delegate chain when a delegate keeps failing, periodic re-probing of the better
 * delegate, and stateful models' outputs fed back into their inputs.
 */
import { createInterpreter, CPU, type ChainResult, type DelegateRefusal } from '../runtime/delegate-chain.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { Interpreter } from '../runtime/interpreter.js';
import type { Model } from '../runtime/model.js';
import type { TensorInfo } from '../runtime/tensor.js';
import type { HealthConfig, StateLink } from '../config/types.js';

export interface ModelRunnerOptions {
  model: Model;
  /** Delegate chain in order of preference; 'cpu' last. */
  delegates: readonly string[];
  threads: number | 'auto';
  pool: number;
  health: HealthConfig;
  state: readonly StateLink[];
  descriptors?: ReadonlyMap<string, DelegateDescriptor>;
  cacheDir?: string;
  /** Told about failovers and fail-backs (for logs and stats). */
  onDelegateChange?: (change: DelegateChange) => void;
}

export interface DelegateChange {
  from: string;
  to: string;
  reason: string;
}

export type InvokeOutcome = { ok: true; interpreter: Interpreter } | { ok: false; reason: 'error' | 'timeout'; message: string };

interface Slot {
  interpreter: Interpreter;
  busy: boolean;
}

/** A pool of interpreters over one model, all on the same delegate. */
export class ModelRunner {
  readonly model: Model;
  private readonly options: ModelRunnerOptions;
  private slots: Slot[] = [];
  private waiters: Array<() => void> = [];
  private chainResult: ChainResult | undefined;
  private chainOffset = 0;
  private consecutiveFailures = 0;
  private reprobeTimer: NodeJS.Timeout | undefined;
  private reprobing = false;
  private stopped = false;
  /** Index of the input frames feed (the first input that is not fed from a state link): an image or a sensor window. */
  frameInput = 0;
  failovers = 0;
  refused: DelegateRefusal[] = [];

  private constructor(options: ModelRunnerOptions) {
    this.options = options;
    this.model = options.model;
  }

  /** Builds the pool on the first working delegate of the chain and warms it up. */
  static async start(options: ModelRunnerOptions): Promise<ModelRunner> {
    if (options.state.length > 0 && options.pool !== 1) {
      throw new EdgepipeError('ERR_CONFIG_MODEL', `${options.model.name}: model.state needs model.pool: 1 (state belongs to one interpreter)`, {
        exitCode: 2,
      });
    }
    const runner = new ModelRunner(options);
    await runner.build(0);
    const stateInputs = new Set(options.state.map((link) => link.input));
    runner.frameInput = Math.max(0, runner.inputs.findIndex((t) => !stateInputs.has(t.name)));
    runner.scheduleReprobe();
    return runner;
  }

  get inputs(): readonly TensorInfo[] {
    return this.slots[0]!.interpreter.inputs;
  }

  get outputs(): readonly TensorInfo[] {
    return this.slots[0]!.interpreter.outputs;
  }

  /** The delegate the pool runs on now ('cpu' for the plain kernels). */
  get delegate(): string {
    return this.chainResult?.delegate ?? CPU;
  }

  get threads(): number {
    return this.chainResult?.threads ?? 1;
  }

  /** Interpreters free right now. */
  get idle(): number {
    return this.slots.filter((s) => !s.busy).length;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Builds `pool` interpreters on the chain from entry `offset` onwards (the first working delegate wins). */
  private async build(offset: number): Promise<void> {
    const chain = this.options.delegates.slice(offset);
    const first = await this.createOn(chain);
    const slots: Slot[] = [{ interpreter: first.interpreter, busy: false }];
    // The rest of the pool goes straight to the delegate the first one settled on.
    const settled = [first.delegate];
    for (let i = 1; i < this.options.pool; i += 1) {
      const more = await this.createOn(settled, first.threads);
      slots.push({ interpreter: more.interpreter, busy: false });
    }
    this.zeroStateInputs(slots);
    const old = this.slots;
    this.slots = slots;
    this.chainResult = first;
    this.chainOffset = offset + Math.max(0, chain.indexOf(first.delegate));
    this.refused = first.refused;
    this.consecutiveFailures = 0;
    for (const slot of old) slot.interpreter.dispose();
    this.wakeWaiters();
  }

  private createOn(chain: readonly string[], threads?: number): Promise<ChainResult> {
    return createInterpreter(this.model, {
      delegates: chain,
      threads: threads ?? this.options.threads,
      ...(this.options.descriptors ? { descriptors: this.options.descriptors } : {}),
      ...(this.options.cacheDir ? { cacheDir: this.options.cacheDir } : {}),
    });
  }

  private zeroStateInputs(slots: Slot[]): void {
    for (const link of this.options.state) {
      for (const slot of slots) slot.interpreter.input(link.input).fill(0 as never);
    }
  }

  /** Waits for an idle interpreter and marks it busy. */
  async acquire(): Promise<Interpreter> {
    for (;;) {
      if (this.stopped) throw new EdgepipeError('ERR_STOPPED', `${this.model.name}: the pipeline is stopping`);
      const slot = this.slots.find((s) => !s.busy);
      if (slot) {
        slot.busy = true;
        return slot.interpreter;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Returns an interpreter taken with acquire(). */
  release(interpreter: Interpreter): void {
    const slot = this.slots.find((s) => s.interpreter === interpreter);
    if (slot) slot.busy = false;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Invokes with the health timeout. A failed or timed-out invoke counts towards failover; a timed-out
   * interpreter is abandoned (its invoke may never return) and replaced.
   */
  async invoke(interpreter: Interpreter): Promise<InvokeOutcome> {
    const timeoutMs = this.options.health.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([interpreter.invoke().then(() => 'ok' as const), timeout]);
      if (outcome === 'ok') {
        this.consecutiveFailures = 0;
        this.feedState(interpreter);
        return { ok: true, interpreter };
      }
      await this.noteFailure(`invoke exceeded ${timeoutMs} ms on ${this.delegate}`, interpreter, true);
      return { ok: false, reason: 'timeout', message: `invoke exceeded ${timeoutMs} ms on ${this.delegate}` };
    } catch (error) {
      const message = (error as Error).message;
      await this.noteFailure(message, interpreter, false);
      return { ok: false, reason: 'error', message };
    } finally {
      clearTimeout(timer);
    }
  }

  private feedState(interpreter: Interpreter): void {
    for (const link of this.options.state) interpreter.setInput(link.input, interpreter.output(link.output));
  }

  private async noteFailure(reason: string, interpreter: Interpreter, hung: boolean): Promise<void> {
    this.consecutiveFailures += 1;
    if (hung) {
      // Abandon it: dispose() lets the process exit even if the invoke never returns.
      const slot = this.slots.find((s) => s.interpreter === interpreter);
      interpreter.dispose();
      if (slot) this.slots = this.slots.filter((s) => s !== slot);
    }
    const exhausted = this.consecutiveFailures >= this.options.health.failures;
    if ((exhausted || this.slots.length === 0) && !this.stopped) await this.failover(reason, hung && !exhausted);
  }

  /** Rebuilds the pool on the next delegate of the chain (or the same one, to replace an abandoned interpreter). */
  private async failover(reason: string, sameDelegate: boolean): Promise<void> {
    const from = this.delegate;
    const next = sameDelegate || from === CPU ? this.chainOffset : this.chainOffset + 1;
    await this.build(Math.min(next, this.options.delegates.length - 1));
    if (!sameDelegate) this.failovers += 1;
    if (this.delegate !== from) this.options.onDelegateChange?.({ from, to: this.delegate, reason });
  }

  /** Periodically tries the chain from the top; switches back when a better delegate works again. */
  private scheduleReprobe(): void {
    const seconds = this.options.health.reprobeS;
    if (seconds <= 0 || this.stopped) return;
    this.reprobeTimer = setTimeout(() => {
      void this.reprobe().finally(() => this.scheduleReprobe());
    }, seconds * 1000);
    this.reprobeTimer.unref();
  }

  private async reprobe(): Promise<void> {
    if (this.chainOffset === 0 || this.reprobing || this.stopped) return;
    this.reprobing = true;
    try {
      const candidate = await this.createOn(this.options.delegates.slice(0, this.chainOffset));
      if (candidate.delegate === CPU) {
        candidate.interpreter.dispose();
        return;
      }
      const probe = await Promise.race([
        candidate.interpreter.invoke().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), this.options.health.timeoutMs).unref()),
      ]).catch(() => false);
      candidate.interpreter.dispose();
      if (!probe || this.stopped) return;
      const from = this.delegate;
      await this.build(this.options.delegates.indexOf(candidate.delegate));
      this.options.onDelegateChange?.({ from, to: this.delegate, reason: `${candidate.delegate} works again` });
    } catch {
      // Still broken: stay where we are and try again later.
    } finally {
      this.reprobing = false;
    }
  }

  /**
   * Stops once no interpreter is in use and no frame waits for one: the pipeline has moved to another runner
   * (model.optimize: auto), and frames already on this one finish here.
   */
  async retire(): Promise<void> {
    while (!this.stopped && (this.slots.some((s) => s.busy) || this.waiters.length > 0)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.stop();
  }

  /** Disposes every interpreter (after in-flight invokes end) and stops re-probing. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.reprobeTimer);
    for (const slot of this.slots) slot.interpreter.dispose();
    this.slots = [];
    this.wakeWaiters();
  }
}

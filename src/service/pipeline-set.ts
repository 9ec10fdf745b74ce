/**
 * The pipelines of `edgepipe run`, one Supervisor each, so a reload can swap one pipeline and leave the others
 * running without a gap (same Pipeline object, same counters). A reload first probes the model of each changed
 * and new pipeline (one that fails is refused: the old one keeps running untouched), then stops the removed and
 * changed pipelines, starts the changed and new ones, and gives each of those `runtime.reload_health_s` to deliver
 * a prediction; one that does not is rolled back to the spec it replaced, with that spec's held model and labels
 * bytes (a new one is stopped and dropped).
 */
import type { Logger } from '../core/log.js';
import type { StatsReport } from '../core/stats-report.js';
import { Supervisor, type BackoffOptions } from '../pipeline/supervisor.js';
import type { PredictionSink } from '../sinks/types.js';
import { probeModel } from '../runtime/probe.js';
import { heldContents, withFiles } from './pipeline-files.js';
import { PredictionWatch } from './prediction-watch.js';
import { healthSeconds, planReload, type PipelineSpec, type ReloadPlan } from './reload-plan.js';

export interface PipelineSetOptions {
  logger: Logger;
  onStats?: (report: StatsReport) => void;
  /** Sinks added to every pipeline (the metrics registry's). */
  extraSinks?: (pipeline: string) => PredictionSink[];
  backoff?: Partial<BackoffOptions>;
  /** Handed to every pipeline for the `reload` command: the same path as SIGHUP, with its outcome. */
  requestReload?: () => Promise<{ ok: boolean; message: string }>;
}

interface Member {
  spec: PipelineSpec;
  supervisor: Supervisor;
  watch: PredictionWatch;
}

export interface HealthFailure {
  name: string;
  /** Short, for the STATUS line: `no prediction within 30 s`. */
  reason: string;
  /** The pipeline's state and last error then, for the log (`backoff: model ...`), if it had one. */
  detail?: string;
}

export interface ReloadOutcome extends ReloadPlan {
  /**
   * Changed or new pipelines not applied because a file they would run failed before the swap (the new model
   * failed the probe, a file could not be read): a changed one keeps running as it was, a new one is not started.
   * Not counted in `changed` or `added`.
   */
  refused: HealthFailure[];
  /** Changed pipelines that failed the health check and run their previous config again. */
  rolledBack: HealthFailure[];
  /** New pipelines that failed the health check and were stopped. */
  dropped: HealthFailure[];
  /** The process was asked to stop during the health check: nothing was rolled back. */
  aborted: boolean;
}

type Verdict = { ok: true } | { ok: false; reason: string; detail?: string } | { aborted: true };

export class PipelineSet {
  private members = new Map<string, Member>();
  private generation = 0;
  private changeWaiters: Array<() => void> = [];

  constructor(private readonly options: PipelineSetOptions) {}

  /** The current supervisors, in config order (for the notifier and the HTTP endpoint). */
  supervisors(): Supervisor[] {
    return [...this.members.values()].map((member) => member.supervisor);
  }

  /** The spec each pipeline runs now, by name. */
  specs(): ReadonlyMap<string, PipelineSpec> {
    return new Map([...this.members].map(([name, member]) => [name, member.spec]));
  }

  /** Starts every pipeline (their model and labels files read and held first); resolves once each is running or has reported its failure. */
  async start(specs: readonly PipelineSpec[]): Promise<void> {
    const members = (await withFiles(specs)).map((spec) => this.member(spec));
    for (const member of members) this.members.set(member.spec.config.name, member);
    await Promise.all(members.map((member) => member.supervisor.start()));
  }

  /**
   * Applies the next specs (their files read and held): only what changed, config or file content, is touched.
   * Never throws for a pipeline's failure.
   */
  async reload(specs: readonly PipelineSpec[], signal?: AbortSignal): Promise<ReloadOutcome> {
    const { logger } = this.options;
    const next = await withFiles(specs);
    const planned = planReload(this.specs(), next);
    const byName = new Map(next.map((spec) => [spec.config.name, spec]));
    // Before anything stops: a changed or new pipeline whose new model fails the probe is not applied at all.
    const refused: HealthFailure[] = [];
    for (const name of [...planned.changed, ...planned.added]) {
      const reason = await this.vet(byName.get(name)!);
      if (reason === undefined) continue;
      refused.push({ name, reason });
      const running = this.members.has(name);
      logger.log('error', `edgepipe: reload: pipeline ${name} refused, ${running ? 'keeps running as it was' : 'not started'}: ${reason}`);
    }
    const applied = (name: string): boolean => !refused.some((failure) => failure.name === name);
    const plan: ReloadPlan = { ...planned, changed: planned.changed.filter(applied), added: planned.added.filter(applied) };
    const outcome: ReloadOutcome = { ...plan, refused, rolledBack: [], dropped: [], aborted: false };
    const previous = new Map<string, PipelineSpec>();
    for (const name of plan.removed) logger.log('info', `edgepipe: reload: pipeline ${name} removed, stopping`);
    for (const name of plan.changed) logger.log('info', `edgepipe: reload: pipeline ${name} changed, restarting`);
    for (const name of plan.added) logger.log('info', `edgepipe: reload: pipeline ${name} added, starting`);
    // Stop before start: the old and new version may share a camera, a file sink or an MQTT client id.
    await Promise.all(
      [...plan.removed, ...plan.changed].map(async (name) => {
        const member = this.members.get(name)!;
        previous.set(name, member.spec);
        this.members.delete(name);
        await member.supervisor.stop();
      }),
    );
    const started = [...plan.changed, ...plan.added].map((name) => this.member(byName.get(name)!));
    for (const member of started) this.members.set(member.spec.config.name, member);
    this.reorder(next);
    await Promise.all(started.map((member) => member.supervisor.start()));

    const verdicts = await Promise.all(started.map((member) => this.healthCheck(member, signal)));
    const rollbacks: Member[] = [];
    for (const [i, member] of started.entries()) {
      const verdict = verdicts[i]!;
      if ('aborted' in verdict) outcome.aborted = true;
      if ('aborted' in verdict || verdict.ok) continue;
      const name = member.spec.config.name;
      const before = previous.get(name);
      const why = verdict.detail ? `${verdict.reason}; ${verdict.detail}` : verdict.reason;
      const failure: HealthFailure = { name, reason: verdict.reason, ...(verdict.detail ? { detail: verdict.detail } : {}) };
      await member.supervisor.stop();
      this.members.delete(name);
      if (before) {
        logger.log('error', `edgepipe: reload: pipeline ${name} failed its health check (${why}); rolled back to its previous config and files`);
        outcome.rolledBack.push(failure);
        const restored = this.member(before);
        this.members.set(name, restored);
        rollbacks.push(restored);
      } else {
        logger.log('error', `edgepipe: reload: new pipeline ${name} failed its health check (${why}); removed`);
        outcome.dropped.push(failure);
      }
    }
    this.reorder(next);
    await Promise.all(rollbacks.map((member) => member.supervisor.start()));
    this.changed();
    return outcome;
  }

  /** Resolves when every current pipeline's source has ended (re-evaluated after each reload). */
  async whenAllEnded(): Promise<void> {
    for (;;) {
      const generation = this.generation;
      const changed = new Promise<void>((resolve) => this.changeWaiters.push(resolve));
      await Promise.race([Promise.all(this.supervisors().map((s) => s.whenAllEnded())), changed]);
      if (generation === this.generation) return;
    }
  }

  /** Stops every pipeline, in parallel: sources first, in-flight frames finished, sinks flushed; within `timeoutMs` if given. */
  async stop(timeoutMs?: number): Promise<void> {
    await Promise.all(this.supervisors().map((supervisor) => supervisor.stop(timeoutMs)));
  }

  private member(spec: PipelineSpec): Member {
    const watch = new PredictionWatch();
    const { logger, onStats, extraSinks, requestReload } = this.options;
    // The pipeline runs the bytes held with its spec: a rollback runs the previous model whatever the file holds now.
    const files = heldContents(spec.files);
    const supervisor = new Supervisor(
      [spec.config],
      {
        runtime: spec.runtime,
        logger,
        descriptors: spec.descriptors,
        ...(onStats ? { onStats } : {}),
        ...(requestReload ? { requestReload } : {}),
        extraSinks: (pipeline: string) => [watch.sink(pipeline), ...(extraSinks?.(pipeline) ?? [])],
        ...(files ? { files } : {}),
      },
      this.options.backoff,
    );
    return { spec, supervisor, watch };
  }

  /** Members in the order of the files (pipelines no longer in them, rolled back ones aside, go last). */
  private reorder(next: readonly PipelineSpec[]): void {
    const order = new Map(next.map((spec, i) => [spec.config.name, i]));
    const rank = (name: string): number => order.get(name) ?? order.size;
    this.members = new Map([...this.members].sort(([a], [b]) => rank(a) - rank(b)));
  }

  private changed(): void {
    this.generation += 1;
    for (const wake of this.changeWaiters.splice(0)) wake();
  }

  /**
   * Why `spec` must not replace what runs (its file named), or undefined: a held file that could not be read, or
   * a model that fails the crash-isolating probe (src/runtime/probe.ts; the verdict is cached by content, so the
   * pipeline's own probe at start is then a cache hit). A spec without held files is left to its start.
   */
  private async vet(spec: PipelineSpec): Promise<string | undefined> {
    const { model, labels } = spec.files ?? {};
    if (!model) return undefined;
    for (const file of [model, labels]) if (file && 'error' in file) return `${file.path}: ${file.error}`;
    if (!('bytes' in model)) return undefined;
    if (model.bytes.byteLength === 0) return `${model.path}: the model file is empty`;
    const { library, cacheDir } = spec.runtime;
    try {
      const verdict = await probeModel(model.bytes, { name: model.path, ...(library ? { library } : {}), ...(cacheDir ? { cacheDir: `${cacheDir}/probe` } : {}) });
      return verdict.ok ? undefined : `${model.path}: ${verdict.reason}`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** A first prediction within the pipeline's reload_health_s, or why not. */
  private async healthCheck(member: Member, signal: AbortSignal | undefined): Promise<Verdict> {
    const seconds = healthSeconds(member.spec);
    if (seconds === 0) return { ok: true };
    if (signal?.aborted) return { aborted: true };
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const outcomes: Array<Promise<Verdict>> = [
      member.watch.first().then(() => ({ ok: true })),
      new Promise((resolve) => {
        timer = setTimeout(() => {
          const detail = this.lastError(member);
          resolve({ ok: false, reason: `no prediction within ${seconds} s`, ...(detail ? { detail } : {}) });
        }, seconds * 1000);
      }),
      member.supervisor.whenAllEnded().then(() => ({ ok: false, reason: 'its source ended without a prediction' })),
    ];
    if (signal) {
      outcomes.push(
        new Promise((resolve) => {
          onAbort = () => resolve({ aborted: true });
          signal.addEventListener('abort', onAbort, { once: true });
        }),
      );
    }
    try {
      return await Promise.race(outcomes);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private lastError(member: Member): string | undefined {
    const status = member.supervisor.status()[0];
    return status?.lastError ? `${status.state}: ${status.lastError.split('\n')[0]}` : undefined;
  }
}

/**
 * The STATUS= / log summary of a reload: `reloaded: 1 changed, 0 added, 0 removed, 1 unchanged; rolled back b
 * (no prediction within 30 s)`. Short reasons only: systemd's status line is cut at a few hundred characters.
 */
export function reloadSummary(outcome: ReloadOutcome): string {
  const parts = [
    `reloaded: ${outcome.changed.length} changed, ${outcome.added.length} added, ${outcome.removed.length} removed, ${outcome.unchanged.length} unchanged`,
  ];
  for (const failure of outcome.rolledBack) parts.push(`rolled back ${failure.name} (${failure.reason})`);
  for (const failure of outcome.dropped) parts.push(`removed new ${failure.name} (${failure.reason})`);
  // Last: a probe's verdict is long, and systemd's status line is cut.
  for (const failure of outcome.refused) parts.push(`refused ${failure.name} (${shorten(failure.reason)})`);
  return parts.join('; ').replace(/\s*\n\s*/g, ' ');
}

/** A refusal's reason for the status line: the first 200 characters (the log line has it whole). */
function shorten(reason: string): string {
  const line = reason.replace(/\s*\n\s*/g, ' ');
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

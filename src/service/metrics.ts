/**
 * What /metrics needs beyond one pipeline's report: per-stage latency histograms (cumulative, as Prometheus wants
 * them, not the bounded windows of the stats lines) and delegate changes, fed by one extra sink per pipeline so
 * the engine needs no hook; and the counters of the pipeline's earlier instances. Each restart (supervisor retry,
 * reload) makes a new Pipeline whose counters start at 0; kept by pipeline name here, every counter stays
 * monotonic for as long as the process runs.
 */
import type { CountsSnapshot } from '../core/events.js';
import type { Prediction, StageLatency } from '../core/frame.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { StatsReport } from '../core/stats-report.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import type { MqttSinkStats } from '../sinks/mqtt/mqtt-sink.js';
import type { PredictionSink, SinkStats } from '../sinks/types.js';
import { processGcCounters, type GcCounters } from './gc-counters.js';

export const stages: ReadonlyArray<keyof StageLatency> = ['queue', 'preprocess', 'wait', 'infer', 'postprocess', 'total'];

/** Upper bounds in seconds: 1 ms to 10 s, for an edge board from a Coral (2 ms) to a Pi CPU on a big model (2 s). */
export const latencyBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram {
  /** counts[i]: observations <= latencyBuckets[i] (not cumulative; rendered cumulative). */
  readonly counts = new Array<number>(latencyBuckets.length).fill(0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count += 1;
    this.sum += seconds;
    const i = latencyBuckets.findIndex((bound) => seconds <= bound);
    if (i >= 0) this.counts[i]! += 1;
  }
}

export interface SinkTotals {
  written: number;
  dropped: number;
  errors: number;
  /** MQTT: PUBACKs with an error reason code, and messages moved to the dead-letter file. */
  refused?: number;
  deadLettered?: number;
  /** MQTT: messages the outbox could not store (disk full, I/O error); also in dropped. */
  unstored?: number;
}

/** The counters of a StatsReport: of one pipeline instance, or summed over the instances a pipeline name had. */
export interface Totals {
  framesIn: number;
  framesOut: number;
  drops: Record<string, number>;
  /** Frames gate stages let skip inference, by reason; only for pipelines with gate stages. */
  skipped?: Record<string, number>;
  /** Counters of the stages that keep some, by stage name. */
  stages?: Record<string, Record<string, number>>;
  failovers: number;
  /** Supervised sources only. */
  source?: { restarts: number; corruptFrames: number; downtimeMs: number };
  /** Sensor sources only; discardedAtRestart when the source reports it. */
  series?: { samples: number; filledValues: number; incompleteWindows: number; discardedAtRestart?: number };
  /** By sink name; a sink a reload removed keeps its totals. */
  sinks: Record<string, SinkTotals>;
}

export function totalsOf(report: StatsReport): Totals {
  const drops: Record<string, number> = {};
  for (const [reason, count] of Object.entries(report.drops)) if (typeof count === 'number') drops[reason] = count;
  const sinks: Record<string, SinkTotals> = {};
  for (const [name, stats] of Object.entries(report.sinks ?? {})) {
    const { written, dropped, errors, refused, deadLettered, unstored } = stats as MqttSinkStats;
    sinks[name] = {
      written,
      dropped,
      errors,
      ...(refused !== undefined ? { refused } : {}),
      ...(deadLettered !== undefined ? { deadLettered } : {}),
      ...(unstored !== undefined ? { unstored } : {}),
    };
  }
  const { source } = report;
  const series = source?.series;
  // Read defensively: not every source version reports it.
  const discarded = (series as { discardedAtRestart?: unknown } | undefined)?.discardedAtRestart;
  return {
    framesIn: report.framesIn,
    framesOut: report.framesOut,
    drops,
    ...(report.skipped ? { skipped: { ...report.skipped } } : {}),
    ...(report.stages ? { stages: Object.fromEntries(Object.entries(report.stages).map(([k, v]) => [k, { ...v }])) } : {}),
    failovers: report.failovers,
    ...(source ? { source: { restarts: source.restarts, corruptFrames: source.corruptFrames, downtimeMs: source.downtimeMs } } : {}),
    ...(series
      ? {
          series: {
            samples: series.samples,
            filledValues: series.filledValues,
            incompleteWindows: series.incompleteWindows,
            ...(typeof discarded === 'number' ? { discardedAtRestart: discarded } : {}),
          },
        }
      : {}),
    sinks,
  };
}

function addFields<T extends object>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a || !b) return a ?? b;
  const sum: Record<string, number> = { ...(a as Record<string, number>) };
  for (const [key, value] of Object.entries(b as Record<string, number>)) sum[key] = (sum[key] ?? 0) + value;
  return sum as T;
}

export function addTotals(a: Totals, b: Totals): Totals {
  const sinks: Record<string, SinkTotals> = { ...a.sinks };
  for (const [name, stats] of Object.entries(b.sinks)) sinks[name] = addFields(sinks[name], stats)!;
  const source = addFields(a.source, b.source);
  const series = addFields(a.series, b.series);
  const skipped = addFields(a.skipped, b.skipped);
  let stages: Record<string, Record<string, number>> | undefined = a.stages ? { ...a.stages } : undefined;
  for (const [name, counts] of Object.entries(b.stages ?? {})) (stages ??= {})[name] = addFields(stages[name], counts)!;
  return {
    framesIn: a.framesIn + b.framesIn,
    framesOut: a.framesOut + b.framesOut,
    drops: addFields(a.drops, b.drops)!,
    ...(skipped ? { skipped } : {}),
    ...(stages ? { stages } : {}),
    failovers: a.failovers + b.failovers,
    ...(source ? { source } : {}),
    ...(series ? { series } : {}),
    sinks,
  };
}

const noTotals: Totals = { framesIn: 0, framesOut: 0, drops: {}, failovers: 0, sinks: {} };

export interface PipelineMetrics {
  latency: Record<keyof StageLatency, Histogram>;
  /** Changes of the delegate between consecutive predictions: failovers and returns after a reprobe. */
  delegateChanges: number;
  lastDelegate?: string;
  /** Counters of the instances before `instance`, which is the latest one seen. */
  earlier: Totals;
  instance?: Pipeline;
  /**
   * Zone and line counts (src/zones) of pipelines with zones or lines: the current instance's latest snapshot,
   * and the entries and crossings of the earlier instances (their `count` is 0: the objects inside are the
   * current instance's), so the totals stay monotonic over restarts like the other counters.
   */
  counts?: { current: CountsSnapshot | undefined; earlier: CountsSnapshot };
}

/** `b` added to `a`: entries and crossings summed; `count` is `b`'s (the newer instance's) or 0. */
export function addCounts(a: CountsSnapshot, b: CountsSnapshot | undefined): CountsSnapshot {
  const zones: CountsSnapshot['zones'] = {};
  const lines: CountsSnapshot['lines'] = {};
  for (const [zone, labels] of Object.entries(a.zones)) {
    zones[zone] = Object.fromEntries(Object.entries(labels).map(([label, c]) => [label, { count: 0, entries: c.entries }]));
  }
  for (const [line, labels] of Object.entries(a.lines)) lines[line] = Object.fromEntries(Object.entries(labels).map(([label, c]) => [label, { ...c }]));
  for (const [zone, labels] of Object.entries(b?.zones ?? {})) {
    const into = (zones[zone] ??= {});
    for (const [label, c] of Object.entries(labels)) into[label] = { count: c.count, entries: (into[label]?.entries ?? 0) + c.entries };
  }
  for (const [line, labels] of Object.entries(b?.lines ?? {})) {
    const into = (lines[line] ??= {});
    for (const [label, c] of Object.entries(labels)) into[label] = { in: (into[label]?.in ?? 0) + c.in, out: (into[label]?.out ?? 0) + c.out };
  }
  return { zones, lines };
}

export class MetricsRegistry {
  private readonly pipelines = new Map<string, PipelineMetrics>();
  private supervisors: (() => readonly Supervisor[]) | undefined;
  /** The process's garbage collections (one observer per process, shared by every registry). */
  readonly gc: GcCounters = processGcCounters();

  get(pipeline: string): PipelineMetrics | undefined {
    return this.pipelines.get(pipeline);
  }

  /**
   * Follows these supervisors: each new pipeline instance (its sinks are made at start) makes the registry look
   * at every current instance, so one that restarts twice between two scrapes still has its counters kept.
   */
  follow(supervisors: () => readonly Supervisor[]): void {
    this.supervisors = supervisors;
  }

  /**
   * The current instance's report and the pipeline's counters since the process started. A new instance under
   * the name folds the previous one's final counters in (it has stopped by then: supervisors and reloads stop
   * an instance before they start the next).
   */
  read(pipeline: Pipeline): { report: StatsReport; totals: Totals } {
    const metrics = this.entry(pipeline.name);
    if (metrics.instance && metrics.instance !== pipeline) metrics.earlier = addTotals(metrics.earlier, totalsOf(metrics.instance.peek()));
    metrics.instance = pipeline;
    const report = pipeline.peek();
    return { report, totals: addTotals(metrics.earlier, totalsOf(report)) };
  }

  /** Counters of a pipeline name that has no instance now (never started). */
  earlier(pipeline: string): Totals {
    return this.pipelines.get(pipeline)?.earlier ?? noTotals;
  }

  /** The pipeline's zone and line counts: objects inside now (current instance), entries and crossings since the process started. */
  zoneCounts(pipeline: string): CountsSnapshot | undefined {
    const counts = this.pipelines.get(pipeline)?.counts;
    return counts ? addCounts(counts.earlier, counts.current) : undefined;
  }

  private entry(pipeline: string): PipelineMetrics {
    let metrics = this.pipelines.get(pipeline);
    if (!metrics) {
      const latency = Object.fromEntries(stages.map((stage) => [stage, new Histogram()])) as PipelineMetrics['latency'];
      metrics = { latency, delegateChanges: 0, earlier: noTotals };
      this.pipelines.set(pipeline, metrics);
    }
    return metrics;
  }

  private sync(): void {
    for (const supervisor of this.supervisors?.() ?? []) for (const pipeline of supervisor.pipelines()) this.read(pipeline);
  }

  observe(prediction: Prediction): void {
    const metrics = this.entry(prediction.pipeline);
    for (const stage of stages) metrics.latency[stage].observe(prediction.latencyMs[stage] / 1000);
    if (metrics.lastDelegate !== undefined && metrics.lastDelegate !== prediction.delegate) metrics.delegateChanges += 1;
    metrics.lastDelegate = prediction.delegate;
  }

  /** A sink for `PipelineContext.extraSinks`: observes every prediction, writes nothing. */
  sinkFor(pipeline: string): PredictionSink {
    this.sync();
    let written = 0;
    let open = false;
    // Made once per instance (at its start): the previous instance's counts become the earlier ones.
    const metrics = this.entry(pipeline);
    if (metrics.counts) metrics.counts = { current: undefined, earlier: addCounts(metrics.counts.earlier, metrics.counts.current) };
    return {
      kind: 'metrics',
      name: `${pipeline}/metrics`,
      start: async () => {
        open = true;
      },
      write: (prediction) => {
        if (!open) return;
        this.observe(prediction);
        written += 1;
      },
      zoneCounts: (snapshot) => {
        metrics.counts = { current: snapshot, earlier: metrics.counts?.earlier ?? { zones: {}, lines: {} } };
      },
      flush: async () => true,
      stop: async () => {
        open = false;
      },
      stats: (): SinkStats => ({ written, dropped: 0, errors: 0, pending: 0 }),
    };
  }
}

/**
 * /metrics in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): `# HELP` and `# TYPE` once per
 * metric family, then one sample per line. Counters are the registry's totals by pipeline name, so they keep
 * growing across a pipeline's restarts; gauges are the current instance's.
 */
import type { OptimizeStatus, StatsReport } from '../core/stats-report.js';
import type { PipelineStatus, Supervisor } from '../pipeline/supervisor.js';
import type { ThermalReading } from '../pipeline/thermal.js';
import type { SourceState } from '../sources/types.js';
import { gcKinds } from './gc-counters.js';
import { latencyBuckets, stages, type MetricsRegistry, type SinkTotals, type Totals } from './metrics.js';

export const contentType = 'text/plain; version=0.0.4; charset=utf-8';

export interface SinkSnapshot extends SinkTotals {
  /** `file`, `mqtt`, ...: the part of the sink's name after the pipeline's. */
  kind: string;
  /** Accepted, not yet delivered (the MQTT outbox depth); absent for a sink the current instance does not have. */
  pending?: number;
}

/** One pipeline as /metrics and /status show it. Counters are totals since the process started. */
export interface PipelineSnapshot {
  name: string;
  state: string;
  delegate: string;
  /** Start attempts by the supervisor (1 after a clean start; more after failures). */
  attempts: number;
  lastError?: string;
  retryInMs?: number;
  framesIn: number;
  framesOut: number;
  drops: Record<string, number>;
  /** Pipelines with gate stages only: frames that skipped inference, by reason. */
  skipped?: Record<string, number>;
  /** Counters of the stages that keep some (motion: frames with motion...), by stage. */
  stages?: Record<string, Record<string, number>>;
  failovers: number;
  /** Supervised sources: the current state and the counters. */
  source?: NonNullable<Totals['source']> & { state?: string };
  series?: Totals['series'];
  sinks: Record<string, SinkSnapshot>;
  /** Milliseconds since the current instance's last frame (absent before its first). */
  lastFrameAgeMs?: number;
  /** Paused by a command. */
  paused: boolean;
  thermal?: ThermalReading;
  /** model.optimize: auto only: what the current instance runs, and why. */
  optimize?: OptimizeStatus;
}

/** A pipeline's supervisor status, its totals and its current instance's report (none before its first start). */
export function snapshotOf(status: PipelineStatus, totals: Totals, report: StatsReport | undefined): PipelineSnapshot {
  const sinks: Record<string, SinkSnapshot> = {};
  for (const [name, counts] of Object.entries(totals.sinks)) {
    const current = report?.sinks?.[name];
    sinks[name] = {
      kind: name.slice(name.lastIndexOf('/') + 1),
      ...counts,
      // Not lastError: /status is unauthenticated, and a sink's error may name its target in full.
      ...(current ? { pending: current.pending } : {}),
    };
  }
  // Present (true) only while paused; read loosely, as engines without pausing have no such field.
  const paused = (report as { paused?: unknown } | undefined)?.paused === true;
  return {
    ...status,
    framesIn: totals.framesIn,
    framesOut: totals.framesOut,
    drops: totals.drops,
    ...(totals.skipped ? { skipped: totals.skipped } : {}),
    ...(totals.stages ? { stages: totals.stages } : {}),
    failovers: totals.failovers,
    ...(totals.source ? { source: { ...totals.source, ...(report?.source ? { state: report.source.state } : {}) } } : {}),
    ...(totals.series ? { series: totals.series } : {}),
    sinks,
    ...(report?.lastFrameAgeMs !== undefined ? { lastFrameAgeMs: report.lastFrameAgeMs } : {}),
    paused,
    ...(report?.thermal ? { thermal: report.thermal } : {}),
    ...(report?.optimize ? { optimize: report.optimize } : {}),
  };
}

export function snapshotSupervisors(supervisors: readonly Supervisor[], registry: MetricsRegistry): PipelineSnapshot[] {
  return supervisors.flatMap((supervisor) => {
    const byName = new Map(supervisor.pipelines().map((p) => [p.name, p]));
    return supervisor.status().map((status) => {
      const pipeline = byName.get(status.name);
      const { report, totals } = pipeline ? registry.read(pipeline) : { report: undefined, totals: registry.earlier(status.name) };
      return snapshotOf(status, totals, report);
    });
  });
}

type Labels = Record<string, string>;

/** Label values escape `\`, `"` and newlines; HELP text escapes `\` and newlines. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Labels, value: number): void {
    const text = Object.entries(labels)
      .map(([key, v]) => `${key}="${escapeLabelValue(v)}"`)
      .join(',');
    this.lines.push(`${name}${text ? `{${text}}` : ''} ${formatValue(value)}`);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

const pipelineStates = ['starting', 'running', 'backoff', 'ended', 'failed', 'stopping', 'stopped'] as const;
const sourceStates: readonly SourceState[] = ['starting', 'running', 'restarting', 'failed', 'ended'];

/** One sample per state, 1 for the current one: the usual enum gauge, so a state change adds no series. */
function states(out: Exposition, name: string, labels: Labels, known: readonly string[], current: string): void {
  for (const state of known.includes(current) ? known : [...known, current]) out.sample(name, { ...labels, state }, state === current ? 1 : 0);
}

const byKey = <T>(record: Record<string, T>): Array<[string, T]> => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Zone and line counts (src/zones), only when some pipeline has zones or lines, so other /metrics stay unchanged. */
function zoneFamilies(out: Exposition, pipelines: readonly PipelineSnapshot[], registry: MetricsRegistry): void {
  const counted = pipelines.flatMap((p) => {
    const counts = registry.zoneCounts(p.name);
    return counts ? [{ pipeline: p.name, counts }] : [];
  });
  if (counted.length === 0) return;
  out.family('edgepipe_zone_objects', 'gauge', 'Tracked objects inside a zone now, by label (entered and not yet left).');
  for (const { pipeline, counts } of counted) {
    for (const [zone, labels] of byKey(counts.zones)) for (const [label, c] of byKey(labels)) out.sample('edgepipe_zone_objects', { pipeline, zone, label }, c.count);
  }
  out.family('edgepipe_zone_entries_total', 'counter', 'zone_enter events, by zone and label, since the process started.');
  for (const { pipeline, counts } of counted) {
    for (const [zone, labels] of byKey(counts.zones)) for (const [label, c] of byKey(labels)) out.sample('edgepipe_zone_entries_total', { pipeline, zone, label }, c.entries);
  }
  out.family('edgepipe_line_crossings_total', 'counter', 'line_cross events, by line, label and direction (in, out), since the process started.');
  for (const { pipeline, counts } of counted) {
    for (const [line, labels] of byKey(counts.lines)) {
      for (const [label, c] of byKey(labels)) for (const direction of ['in', 'out'] as const) out.sample('edgepipe_line_crossings_total', { pipeline, line, label, direction }, c[direction]);
    }
  }
}

export function renderMetrics(pipelines: readonly PipelineSnapshot[], registry: MetricsRegistry): string {
  const out = new Exposition();
  const each = (name: string, type: 'counter' | 'gauge', help: string, value: (p: PipelineSnapshot) => number | undefined): void => {
    out.family(name, type, help);
    for (const p of pipelines) {
      const v = value(p);
      if (v !== undefined) out.sample(name, { pipeline: p.name }, v);
    }
  };
  each('edgepipe_frames_in_total', 'counter', 'Frames taken from the source.', (p) => p.framesIn);
  each('edgepipe_frames_out_total', 'counter', 'Predictions handed to the sinks.', (p) => p.framesOut);
  out.family('edgepipe_frames_dropped_total', 'counter', 'Frames dropped, by reason.');
  for (const p of pipelines) {
    for (const [reason, count] of Object.entries(p.drops).sort()) out.sample('edgepipe_frames_dropped_total', { pipeline: p.name, reason }, count);
  }
  // Only when some pipeline has gate stages (src/stages), so that /metrics of pipelines without them is unchanged.
  if (pipelines.some((p) => p.skipped !== undefined)) {
    out.family('edgepipe_frames_skipped_total', 'counter', 'Frames a gate stage let skip inference (not drops), by reason.');
    for (const p of pipelines) {
      for (const [reason, count] of Object.entries(p.skipped ?? {}).sort()) out.sample('edgepipe_frames_skipped_total', { pipeline: p.name, reason }, count);
    }
  }
  // Only when some pipeline has a stage that counts (motion: frames, frames with motion, motion area...).
  if (pipelines.some((p) => p.stages !== undefined)) {
    out.family('edgepipe_stage_total', 'counter', 'Counters of pipeline stages (motion: frames, frames_with_motion, area_sum = summed motion area as a fraction of the frame; tracking: tracks started and ended, detections filtered).');
    for (const p of pipelines) {
      for (const [stage, counts] of Object.entries(p.stages ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
        for (const [counter, value] of Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))) {
          out.sample('edgepipe_stage_total', { pipeline: p.name, stage, counter: counter.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) }, value);
        }
      }
    }
  }
  zoneFamilies(out, pipelines, registry);
  out.family('edgepipe_pipeline_up', 'gauge', '1 when the pipeline is running, else 0; the state label says why.');
  for (const p of pipelines) out.sample('edgepipe_pipeline_up', { pipeline: p.name, state: p.state }, p.state === 'running' ? 1 : 0);
  out.family('edgepipe_pipeline_state', 'gauge', 'The pipeline state: 1 for the current one, 0 for the others.');
  for (const p of pipelines) states(out, 'edgepipe_pipeline_state', { pipeline: p.name }, pipelineStates, p.state);
  each('edgepipe_pipeline_paused', 'gauge', '1 while the pipeline is paused by a command, else 0.', (p) => Number(p.paused));
  each('edgepipe_pipeline_start_attempts_total', 'counter', 'Times the supervisor started the pipeline (restarts after failures included).', (p) => p.attempts);
  out.family('edgepipe_delegate_info', 'gauge', 'The delegate the pipeline runs on (always 1).');
  for (const p of pipelines) out.sample('edgepipe_delegate_info', { pipeline: p.name, delegate: p.delegate }, 1);
  each('edgepipe_delegate_changes_total', 'counter', 'Delegate changes seen between consecutive predictions (failovers and returns after a reprobe).', (p) => registry.get(p.name)?.delegateChanges ?? 0);
  each('edgepipe_delegate_failovers_total', 'counter', 'Hand-overs to the next delegate after the current one failed.', (p) => p.failovers);

  each('edgepipe_source_restarts_total', 'counter', 'Restarts of a supervised source (camera) after it died or stalled.', (p) => p.source?.restarts);
  each('edgepipe_source_corrupt_frames_total', 'counter', 'Frames that arrived broken and were skipped.', (p) => p.source?.corruptFrames);
  each('edgepipe_source_downtime_seconds_total', 'counter', 'Time without frames while the source was down or restarting (the current outage included), seconds.', (p) =>
    p.source ? p.source.downtimeMs / 1000 : undefined,
  );
  each('edgepipe_source_last_frame_age_seconds', 'gauge', 'Time since the source\'s last frame, seconds (absent before the first frame of the current pipeline instance).', (p) =>
    p.lastFrameAgeMs === undefined ? undefined : p.lastFrameAgeMs / 1000,
  );
  out.family('edgepipe_source_state', 'gauge', 'The supervised source state: 1 for the current one, 0 for the others.');
  for (const p of pipelines) if (p.source?.state !== undefined) states(out, 'edgepipe_source_state', { pipeline: p.name }, sourceStates, p.source.state);
  each('edgepipe_sensor_samples_total', 'counter', 'Samples read by a sensor source.', (p) => p.series?.samples);
  each('edgepipe_sensor_filled_values_total', 'counter', 'Missing sensor values filled from the previous sample.', (p) => p.series?.filledValues);
  each('edgepipe_sensor_incomplete_windows_total', 'counter', 'Sensor windows dropped for too many missing values.', (p) => p.series?.incompleteWindows);
  each('edgepipe_sensor_discarded_samples_total', 'counter', 'Sensor samples discarded because the producer restarted before they made a window.', (p) =>
    p.series?.discardedAtRestart,
  );

  const perSink = (name: string, type: 'counter' | 'gauge', help: string, value: (s: SinkSnapshot) => number | undefined): void => {
    out.family(name, type, help);
    for (const p of pipelines) {
      for (const [sink, stats] of Object.entries(p.sinks).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const v = value(stats);
        if (v !== undefined) out.sample(name, { pipeline: p.name, sink, kind: stats.kind }, v);
      }
    }
  };
  perSink('edgepipe_sink_written_total', 'counter', 'Predictions delivered: on disk (file), to the OS (stdout), acknowledged (mqtt).', (s) => s.written);
  perSink('edgepipe_sink_dropped_total', 'counter', 'Predictions a sink refused (queue full) or gave up.', (s) => s.dropped);
  perSink('edgepipe_sink_errors_total', 'counter', 'Failed sink attempts (each retried).', (s) => s.errors);
  perSink('edgepipe_sink_pending', 'gauge', 'Predictions accepted, not yet delivered (for MQTT: the outbox depth).', (s) => s.pending);
  const mqtt = (s: SinkSnapshot, value: number | undefined): number | undefined => value ?? (s.kind === 'mqtt' ? 0 : undefined);
  perSink('edgepipe_sink_refused_total', 'counter', 'MQTT publishes the broker refused (each attempt).', (s) => mqtt(s, s.refused));
  perSink('edgepipe_sink_dead_lettered_total', 'counter', 'MQTT messages moved to the dead-letter file after repeated refusals.', (s) => mqtt(s, s.deadLettered));
  perSink('edgepipe_sink_unstored_total', 'counter', 'MQTT messages dropped because the outbox could not store them (disk full, I/O error).', (s) => mqtt(s, s.unstored));

  // One temperature for the process: every pipeline reads the same SoC.
  const thermal = pipelines.find((p) => p.thermal)?.thermal;
  out.family('edgepipe_soc_temperature_celsius', 'gauge', 'SoC temperature (the hottest watched thermal zone), degrees Celsius.');
  if (thermal) out.sample('edgepipe_soc_temperature_celsius', { zone: thermal.zone }, thermal.celsius);
  out.family('edgepipe_thermal_throttling', 'gauge', '1 while pipelines are throttled because the SoC is hot, else 0.');
  if (thermal) out.sample('edgepipe_thermal_throttling', {}, Number(thermal.throttling));

  const gc = registry.gc.read();
  out.family('edgepipe_gc_collections_total', 'counter', 'Garbage collections of the process, by kind (major: mark-compacts, which stop the JS thread for milliseconds).');
  for (const kind of gcKinds) out.sample('edgepipe_gc_collections_total', { kind }, gc[kind].collections);
  out.family('edgepipe_gc_pause_seconds_total', 'counter', 'Time the JS thread spent in garbage collections, by kind, seconds.');
  for (const kind of gcKinds) out.sample('edgepipe_gc_pause_seconds_total', { kind }, gc[kind].seconds);

  out.family('edgepipe_stage_latency_seconds', 'histogram', 'Time per stage of each prediction (queue, preprocess, wait for an interpreter, infer, postprocess; total: capture to sinks, their sum), seconds.');
  for (const p of pipelines) {
    const metrics = registry.get(p.name);
    if (!metrics) continue;
    for (const stage of stages) {
      const histogram = metrics.latency[stage];
      let cumulative = 0;
      latencyBuckets.forEach((bound, i) => {
        cumulative += histogram.counts[i]!;
        out.sample('edgepipe_stage_latency_seconds_bucket', { pipeline: p.name, stage, le: String(bound) }, cumulative);
      });
      out.sample('edgepipe_stage_latency_seconds_bucket', { pipeline: p.name, stage, le: '+Inf' }, histogram.count);
      out.sample('edgepipe_stage_latency_seconds_sum', { pipeline: p.name, stage }, histogram.sum);
      out.sample('edgepipe_stage_latency_seconds_count', { pipeline: p.name, stage }, histogram.count);
    }
  }
  return out.text();
}

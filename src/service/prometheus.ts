/**
 * /metrics in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): `# HELP` and `# TYPE` once per
 * metric family, then one sample per line. Counters come from the pipelines' counters read directly (never
 * `report()`, which resets the fps window of the stats lines); they restart from 0 when a pipeline restarts,
 * which Prometheus' rate() treats as a counter reset.
 */
import type { Supervisor } from '../pipeline/supervisor.js';
import { latencyBuckets, stages, type MetricsRegistry } from './metrics.js';

export const contentType = 'text/plain; version=0.0.4; charset=utf-8';

/** One pipeline as /metrics and /status show it. */
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
}

export function snapshotSupervisors(supervisors: readonly Supervisor[]): PipelineSnapshot[] {
  return supervisors.flatMap((supervisor) => {
    const byName = new Map(supervisor.pipelines().map((p) => [p.name, p]));
    return supervisor.status().map((status) => {
      const stats = byName.get(status.name)?.stats;
      const drops = Object.fromEntries(Object.entries(stats?.drops ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'));
      return { ...status, framesIn: stats?.framesIn ?? 0, framesOut: stats?.framesOut ?? 0, drops };
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

export function renderMetrics(pipelines: readonly PipelineSnapshot[], registry: MetricsRegistry): string {
  const out = new Exposition();
  out.family('edgepipe_frames_in_total', 'counter', 'Frames taken from the source, since the pipeline (re)started.');
  for (const p of pipelines) out.sample('edgepipe_frames_in_total', { pipeline: p.name }, p.framesIn);
  out.family('edgepipe_frames_out_total', 'counter', 'Predictions handed to the sinks, since the pipeline (re)started.');
  for (const p of pipelines) out.sample('edgepipe_frames_out_total', { pipeline: p.name }, p.framesOut);
  out.family('edgepipe_frames_dropped_total', 'counter', 'Frames dropped, by reason, since the pipeline (re)started.');
  for (const p of pipelines) {
    for (const [reason, count] of Object.entries(p.drops).sort()) out.sample('edgepipe_frames_dropped_total', { pipeline: p.name, reason }, count);
  }
  out.family('edgepipe_pipeline_up', 'gauge', '1 when the pipeline is running, else 0; the state label says why.');
  for (const p of pipelines) out.sample('edgepipe_pipeline_up', { pipeline: p.name, state: p.state }, p.state === 'running' ? 1 : 0);
  out.family('edgepipe_pipeline_start_attempts_total', 'counter', 'Times the supervisor started the pipeline (restarts after failures included).');
  for (const p of pipelines) out.sample('edgepipe_pipeline_start_attempts_total', { pipeline: p.name }, p.attempts);
  out.family('edgepipe_delegate_info', 'gauge', 'The delegate the pipeline runs on (always 1).');
  for (const p of pipelines) out.sample('edgepipe_delegate_info', { pipeline: p.name, delegate: p.delegate }, 1);
  out.family('edgepipe_delegate_changes_total', 'counter', 'Delegate changes seen between consecutive predictions (failovers and returns after a reprobe).');
  for (const p of pipelines) out.sample('edgepipe_delegate_changes_total', { pipeline: p.name }, registry.get(p.name)?.delegateChanges ?? 0);
  out.family('edgepipe_stage_latency_seconds', 'histogram', 'Time per stage of each prediction (total: capture to sinks), seconds.');
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

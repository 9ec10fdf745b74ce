/**
 * Frames a gate stage skipped (src/stages) in /metrics and on the MQTT stats topic: their own counter by reason,
 * never mixed with drops, and absent for pipelines without gates so their output is what it was.
 */
import { describe, expect, it } from 'vitest';
import type { StatsReport } from '../../src/core/stats-report.js';
import { addTotals, MetricsRegistry, totalsOf } from '../../src/service/metrics.js';
import { renderMetrics, snapshotOf } from '../../src/service/prometheus.js';
import { statsPayload } from '../../src/sinks/mqtt/messages.js';
import { schemaErrors } from '../sinks/mqtt-fixtures.js';
import { parsePrometheusText } from './prometheus-parse.js';

const latency = { p50: 0, p99: 0 };
const report = (pipeline: string, over: Partial<StatsReport> = {}): StatsReport => ({
  pipeline,
  state: 'running',
  intervalS: 1,
  framesIn: 100,
  framesOut: 30,
  fpsIn: 10,
  fpsOut: 3,
  drops: { buffer: 2 },
  latencyMs: { queue: latency, preprocess: latency, wait: latency, infer: latency, postprocess: latency, total: latency },
  delegate: 'cpu',
  failovers: 0,
  ...over,
});
const gated = report('gate', { skipped: { no_motion: 68 } });
const plain = report('door');

function render(reports: StatsReport[]) {
  const snapshots = reports.map((r) => snapshotOf({ name: r.pipeline, state: 'running', delegate: 'cpu', attempts: 1 }, totalsOf(r), r));
  return { text: renderMetrics(snapshots, new MetricsRegistry()), families: parsePrometheusText(renderMetrics(snapshots, new MetricsRegistry())) };
}

describe('skipped frames', () => {
  it('are edgepipe_frames_skipped_total by pipeline and reason, besides the drops', () => {
    const { families } = render([gated, plain]);
    expect(families.get('edgepipe_frames_skipped_total')!.samples).toEqual([
      { name: 'edgepipe_frames_skipped_total', labels: { pipeline: 'gate', reason: 'no_motion' }, value: 68 },
    ]);
    expect(families.get('edgepipe_frames_dropped_total')!.samples.filter((s) => s.labels['pipeline'] === 'gate').map((s) => [s.labels['reason'], s.value])).toEqual([['buffer', 2]]);
  });

  it('leave /metrics without the family when no pipeline has a gate', () => {
    const { text } = render([plain]);
    expect(text).not.toContain('edgepipe_frames_skipped');
  });

  it('add up over a pipeline\'s instances like drops', () => {
    const total = addTotals(totalsOf(gated), totalsOf(report('gate', { skipped: { no_motion: 2, keep_alive: 1 } })));
    expect(total.skipped).toEqual({ no_motion: 70, keep_alive: 1 });
    expect(addTotals(totalsOf(plain), totalsOf(plain)).skipped).toBeUndefined();
  });

  it('are `skipped` on the MQTT stats topic, valid against stats.schema.json', () => {
    const payload = statsPayload(gated, 'cam1', 1_700_000_000_000);
    expect(JSON.parse(payload)).toMatchObject({ skipped: { no_motion: 68 }, drops: { buffer: 2 } });
    expect(schemaErrors('stats', payload)).toEqual([]);
    expect(schemaErrors('stats', statsPayload(plain, 'cam1', 1_700_000_000_000))).toEqual([]);
  });
});

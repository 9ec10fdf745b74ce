/**
 * Stage counters (motion: frames with motion, motion area; tracking: tracks started) in the stats report's
 * `stages`, on the MQTT stats topic (snake_case, valid against stats.schema.json) and in /metrics as
 * edgepipe_stage_total, summed over a pipeline's instances; absent for pipelines without counting stages.
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
  drops: {},
  latencyMs: { queue: latency, preprocess: latency, wait: latency, infer: latency, postprocess: latency, total: latency },
  delegate: 'cpu',
  failovers: 0,
  ...over,
});
const counted = report('road', { skipped: { no_motion: 68 }, stages: { motion: { frames: 100, framesWithMotion: 31, areaSum: 1.5 }, tracking: { started: 2 } } });
const plain = report('door');

describe('stage counters', () => {
  it('are edgepipe_stage_total by pipeline, stage and counter (snake_case); no family without counting stages', () => {
    const snapshots = [counted, plain].map((r) => snapshotOf({ name: r.pipeline, state: 'running', delegate: 'cpu', attempts: 1 }, totalsOf(r), r));
    const families = parsePrometheusText(renderMetrics(snapshots, new MetricsRegistry()));
    expect(families.get('edgepipe_stage_total')!.samples.map((s) => [s.labels['pipeline'], s.labels['stage'], s.labels['counter'], s.value])).toEqual([
      ['road', 'motion', 'area_sum', 1.5],
      ['road', 'motion', 'frames', 100],
      ['road', 'motion', 'frames_with_motion', 31],
      ['road', 'tracking', 'started', 2],
    ]);
    const plainOnly = renderMetrics([snapshotOf({ name: 'door', state: 'running', delegate: 'cpu', attempts: 1 }, totalsOf(plain), plain)], new MetricsRegistry());
    expect(plainOnly).not.toContain('edgepipe_stage_total');
  });

  it('add up over a pipeline\'s instances', () => {
    const total = addTotals(totalsOf(counted), totalsOf(report('road', { stages: { motion: { frames: 10, framesWithMotion: 4, areaSum: 0.5 } } })));
    expect(total.stages).toEqual({ motion: { frames: 110, framesWithMotion: 35, areaSum: 2 }, tracking: { started: 2 } });
  });

  it('are `stages` on the MQTT stats topic, snake_case, valid against stats.schema.json', () => {
    const payload = statsPayload(counted, 'cam1', 1_700_000_000_000);
    expect(JSON.parse(payload)).toMatchObject({ stages: { motion: { frames: 100, frames_with_motion: 31, area_sum: 1.5 }, tracking: { started: 2 } } });
    expect(schemaErrors('stats', payload)).toEqual([]);
  });
});

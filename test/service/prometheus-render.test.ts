/**
 * The /metrics series a camera, a sensor, an MQTT sink and a paused pipeline add, rendered from reports as the engine
 * writes them (StatsReport), parsed strictly; and how the counters of a pipeline's instances add up.
 */
import { describe, expect, it } from 'vitest';
import type { StatsReport } from '../../src/core/stats-report.js';
import type { PipelineStatus } from '../../src/pipeline/supervisor.js';
import type { MqttSinkStats } from '../../src/sinks/mqtt/mqtt-sink.js';
import { addTotals, MetricsRegistry, totalsOf } from '../../src/service/metrics.js';
import { renderMetrics, snapshotOf } from '../../src/service/prometheus.js';
import { parsePrometheusText, type Family } from './prometheus-parse.js';

const latency = { p50: 0, p99: 0 };
function report(pipeline: string, over: Partial<StatsReport> = {}): StatsReport {
  return {
    pipeline,
    state: 'running',
    intervalS: 1,
    framesIn: 10,
    framesOut: 8,
    fpsIn: 10,
    fpsOut: 8,
    drops: { buffer: 2 },
    latencyMs: { queue: latency, preprocess: latency, wait: latency, infer: latency, postprocess: latency, total: latency },
    delegate: 'cpu',
    failovers: 1,
    ...over,
  };
}
const status = (name: string): PipelineStatus => ({ name, state: 'running', delegate: 'cpu', attempts: 1 });

const yardMqtt: MqttSinkStats = { written: 5, dropped: 2, errors: 1, pending: 40, refused: 6, deadLettered: 2, unstored: 3 };
const camera = report('yard', {
  source: { state: 'restarting', restarts: 3, corruptFrames: 4, downtimeMs: 2500 },
  lastFrameAgeMs: 1250,
  thermal: { celsius: 71.5, zone: 'cpu-thermal', throttling: true },
  sinks: {
    'yard/mqtt': yardMqtt,
    'yard/file': { written: 8, dropped: 0, errors: 0, pending: 0 },
  },
});
const sensor = report('vibration', {
  source: { state: 'running', restarts: 0, corruptFrames: 0, downtimeMs: 0, series: { samples: 640, filledValues: 7, incompleteWindows: 1, discardedAtRestart: 12 } },
  sinks: { 'vibration/mqtt': { written: 3, dropped: 0, errors: 0, pending: 0 } },
});

function render(reports: StatsReport[]): Map<string, Family> {
  const snapshots = reports.map((r) => snapshotOf(status(r.pipeline), totalsOf(r), r));
  return parsePrometheusText(renderMetrics(snapshots, new MetricsRegistry()));
}
const find = (families: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined =>
  families.get(name)!.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('/metrics for cameras, sensors and MQTT sinks', () => {
  const families = render([camera, sensor]);

  it('has the supervised source counters, downtime in seconds and an enum gauge of its state', () => {
    expect(find(families, 'edgepipe_source_restarts_total', { pipeline: 'yard' })).toBe(3);
    expect(find(families, 'edgepipe_source_corrupt_frames_total', { pipeline: 'yard' })).toBe(4);
    expect(find(families, 'edgepipe_source_downtime_seconds_total', { pipeline: 'yard' })).toBe(2.5);
    const states = families.get('edgepipe_source_state')!.samples.filter((s) => s.labels['pipeline'] === 'yard');
    expect(Object.fromEntries(states.map((s) => [s.labels['state'], s.value]))).toEqual({ starting: 0, running: 0, restarting: 1, failed: 0, ended: 0 });
    expect(find(families, 'edgepipe_delegate_failovers_total', { pipeline: 'yard' })).toBe(1);
  });

  it('has the age of the last frame as a gauge in seconds, absent for a pipeline without frames yet', () => {
    expect(families.get('edgepipe_source_last_frame_age_seconds')!.type).toBe('gauge');
    expect(find(families, 'edgepipe_source_last_frame_age_seconds', { pipeline: 'yard' })).toBe(1.25);
    expect(find(families, 'edgepipe_source_last_frame_age_seconds', { pipeline: 'vibration' })).toBeUndefined();
  });

  it('has sensor series counters only for the sensor pipeline', () => {
    expect(families.get('edgepipe_sensor_samples_total')!.samples).toEqual([{ name: 'edgepipe_sensor_samples_total', labels: { pipeline: 'vibration' }, value: 640 }]);
    expect(find(families, 'edgepipe_sensor_filled_values_total', { pipeline: 'vibration' })).toBe(7);
    expect(find(families, 'edgepipe_sensor_incomplete_windows_total', { pipeline: 'vibration' })).toBe(1);
    expect(find(families, 'edgepipe_sensor_discarded_samples_total', { pipeline: 'vibration' })).toBe(12);
  });

  it('labels sinks by name and kind, shows the outbox depth, and MQTT refusals (0 until the first)', () => {
    const mqtt = { pipeline: 'yard', sink: 'yard/mqtt', kind: 'mqtt' };
    expect(find(families, 'edgepipe_sink_written_total', mqtt)).toBe(5);
    expect(find(families, 'edgepipe_sink_dropped_total', mqtt)).toBe(2);
    expect(find(families, 'edgepipe_sink_errors_total', mqtt)).toBe(1);
    expect(find(families, 'edgepipe_sink_pending', mqtt)).toBe(40);
    expect(find(families, 'edgepipe_sink_refused_total', mqtt)).toBe(6);
    expect(find(families, 'edgepipe_sink_dead_lettered_total', mqtt)).toBe(2);
    expect(find(families, 'edgepipe_sink_unstored_total', mqtt)).toBe(3);
    expect(find(families, 'edgepipe_sink_unstored_total', { sink: 'vibration/mqtt' })).toBe(0);
    expect(find(families, 'edgepipe_sink_refused_total', { sink: 'vibration/mqtt' })).toBe(0);
    expect(find(families, 'edgepipe_sink_refused_total', { sink: 'yard/file' })).toBeUndefined();
    expect(find(families, 'edgepipe_sink_written_total', { pipeline: 'yard', sink: 'yard/file', kind: 'file' })).toBe(8);
  });

  it('has one SoC temperature and throttling gauge for the process, from whichever pipeline reported it', () => {
    expect(families.get('edgepipe_soc_temperature_celsius')!.samples).toEqual([
      { name: 'edgepipe_soc_temperature_celsius', labels: { zone: 'cpu-thermal' }, value: 71.5 },
    ]);
    expect(families.get('edgepipe_thermal_throttling')!.samples).toEqual([{ name: 'edgepipe_thermal_throttling', labels: {}, value: 1 }]);
  });

  it('has a paused gauge: 1 while the report has `paused`, else 0', () => {
    expect(families.get('edgepipe_pipeline_paused')!.samples.map((s) => s.value)).toEqual([0, 0]);
    // Spread: the field is new in the engine's reports.
    const paused = render([{ ...camera, ...{ paused: true } }, sensor]);
    expect(paused.get('edgepipe_pipeline_paused')!.samples.map((s) => [s.labels['pipeline'], s.value])).toEqual([
      ['yard', 1],
      ['vibration', 0],
    ]);
  });

  it('escapes sink and zone names in label values', () => {
    const odd = render([report('a"b', { sinks: { 'a"b/file': { written: 1, dropped: 0, errors: 0, pending: 0 } }, thermal: { celsius: 40, zone: 'z\\1', throttling: false } })]);
    expect(find(odd, 'edgepipe_sink_written_total', { pipeline: 'a"b', sink: 'a"b/file', kind: 'file' })).toBe(1);
    expect(odd.get('edgepipe_soc_temperature_celsius')!.samples[0]!.labels).toEqual({ zone: 'z\\1' });
  });
});

describe('/metrics garbage collections', () => {
  it('counts the collections of the process and their pause time by kind, monotonic across scrapes and registries', async () => {
    const gcOf = (families: Map<string, Family>) => ({
      minor: find(families, 'edgepipe_gc_collections_total', { kind: 'minor' })!,
      minorSeconds: find(families, 'edgepipe_gc_pause_seconds_total', { kind: 'minor' })!,
      major: find(families, 'edgepipe_gc_collections_total', { kind: 'major' })!,
    });
    const before = gcOf(render([]));
    // Short-lived garbage well past any young generation's size: scavenges must run.
    let keep: object[] = [];
    for (let i = 0; i < 3_000_000; i += 1) {
      keep.push({ i, pair: [i, i] });
      if (keep.length > 1000) keep = [];
    }
    // node queues a collection's entry for the next turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = gcOf(render([])); // a new registry: the counters are the process's, not the registry's
    expect(keep.length).toBeLessThanOrEqual(1001);
    expect(after.minor).toBeGreaterThan(before.minor);
    expect(after.minorSeconds).toBeGreaterThan(before.minorSeconds);
    expect(after.major).toBeGreaterThanOrEqual(before.major);
    expect(Object.keys(Object.fromEntries(render([]).get('edgepipe_gc_collections_total')!.samples.map((s) => [s.labels['kind'], 1])))).toEqual([
      'major', 'minor', 'incremental', 'weakcb',
    ]);
  });
});

describe('totals of a pipeline over its instances', () => {
  it('add up counters of every kind, keep sinks a later instance lacks and leave the inputs alone', () => {
    const before = totalsOf(camera);
    const after = totalsOf(report('yard', { drops: { thermal: 1 }, source: { state: 'running', restarts: 1, corruptFrames: 0, downtimeMs: 500 }, sinks: {} }));
    const sum = addTotals(before, after);
    expect(sum).toEqual({
      framesIn: 20,
      framesOut: 16,
      drops: { buffer: 2, thermal: 1 },
      failovers: 2,
      source: { restarts: 4, corruptFrames: 4, downtimeMs: 3000 },
      sinks: {
        'yard/mqtt': { written: 5, dropped: 2, errors: 1, refused: 6, deadLettered: 2, unstored: 3 },
        'yard/file': { written: 8, dropped: 0, errors: 0 },
      },
    });
    expect(before.framesIn).toBe(10);
    expect(before.drops).toEqual({ buffer: 2 });
    // A sink gone after a reload keeps its totals but has no current outbox depth.
    const snapshot = snapshotOf(status('yard'), sum, report('yard', { sinks: {} }));
    expect(snapshot.sinks['yard/mqtt']).toEqual({ kind: 'mqtt', written: 5, dropped: 2, errors: 1, refused: 6, deadLettered: 2, unstored: 3 });
  });
});

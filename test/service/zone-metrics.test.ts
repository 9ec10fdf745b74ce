/**
 * Zone and line counts in /metrics: per pipeline, zone and label the objects inside now (gauge) and the entries
 * (counter); per line, label and direction the crossings (counter), kept over a pipeline's restarts like the
 * other counters. Fed by the zone engine through the metrics sink, as a running pipeline does; and scraped from
 * `edgepipe run` with a real detector on an ffmpeg scene.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatsReport } from '../../src/core/stats-report.js';
import { MetricsRegistry, totalsOf } from '../../src/service/metrics.js';
import { renderMetrics, snapshotOf } from '../../src/service/prometheus.js';
import { ZoneEngine } from '../../src/zones/zone-engine.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { FRAME, STEP_MS, T0, walk } from '../zones/scene.js';
import { parsePrometheusText, type Family } from './prometheus-parse.js';
import { get } from './run-service.js';

const latency = { p50: 0, p99: 0 };
const report = (pipeline: string): StatsReport => ({
  pipeline,
  state: 'running',
  intervalS: 1,
  framesIn: 1,
  framesOut: 1,
  fpsIn: 1,
  fpsOut: 1,
  drops: {},
  latencyMs: { queue: latency, preprocess: latency, wait: latency, infer: latency, postprocess: latency, total: latency },
  delegate: 'cpu',
  failovers: 0,
});

const rows = (family: Family | undefined): Array<[...string[], number]> =>
  (family?.samples ?? []).map((s) => [...Object.entries(s.labels).map(([k, v]) => `${k}=${v}`), s.value] as [...string[], number]);

/** One pipeline instance: a person walks down from y 100 through the zone (y 200..400) and over the line at y 420, once. */
function instance(registry: MetricsRegistry, pipeline: string, stopInside: boolean): void {
  const sink = registry.sinkFor(pipeline);
  const engine = new ZoneEngine({
    pipeline,
    zones: [{ name: 'steps', points: [[200, 200], [440, 200], [440, 400], [200, 400]], classes: ['person'] }],
    lines: [{ name: 'gate', points: [[0, 420], [640, 420]], classes: ['person', 'car'] }],
  });
  sink.zoneCounts!(engine.snapshot());
  const path = walk([[320, 100], [320, stopInside ? 300 : 470]], 10);
  path.forEach(([x, y], i) => {
    const events = engine.update([{ id: 1, label: 'person', score: 0.9, box: { x: x - 20, y: y - 100, width: 40, height: 100 } }], { atMs: T0 + i * STEP_MS, frame: FRAME });
    if (events.length > 0) sink.zoneCounts!(engine.snapshot());
  });
}

const render = (registry: MetricsRegistry, names: string[]) =>
  parsePrometheusText(renderMetrics(names.map((name) => snapshotOf({ name, state: 'running', delegate: 'cpu', attempts: 1 }, totalsOf(report(name)), report(name))), registry));

describe('zone and line counts in /metrics', () => {
  it('objects inside now, entries and crossings by direction, by pipeline, zone or line and label; totals kept over a restart', () => {
    const registry = new MetricsRegistry();
    instance(registry, 'porch', false);
    let families = render(registry, ['porch', 'plain']);
    expect(rows(families.get('edgepipe_zone_objects'))).toEqual([['pipeline=porch', 'zone=steps', 'label=person', 0]]);
    expect(rows(families.get('edgepipe_zone_entries_total'))).toEqual([['pipeline=porch', 'zone=steps', 'label=person', 1]]);
    // Standing on A (0, 420) facing B (640, 420), down is to the right: walking down crosses it from left to right, `in`.
    expect(rows(families.get('edgepipe_line_crossings_total'))).toEqual([
      ['pipeline=porch', 'line=gate', 'label=car', 'direction=in', 0],
      ['pipeline=porch', 'line=gate', 'label=car', 'direction=out', 0],
      ['pipeline=porch', 'line=gate', 'label=person', 'direction=in', 1],
      ['pipeline=porch', 'line=gate', 'label=person', 'direction=out', 0],
    ]);
    // A restart (a new instance starts from zero counts): the person stops inside this time.
    instance(registry, 'porch', true);
    families = render(registry, ['porch', 'plain']);
    expect(rows(families.get('edgepipe_zone_objects'))).toEqual([['pipeline=porch', 'zone=steps', 'label=person', 1]]);
    expect(rows(families.get('edgepipe_zone_entries_total'))).toEqual([['pipeline=porch', 'zone=steps', 'label=person', 2]]);
    expect(families.get('edgepipe_zone_entries_total')!.type).toBe('counter');
    expect(families.get('edgepipe_zone_objects')!.type).toBe('gauge');
    expect(rows(families.get('edgepipe_line_crossings_total')).filter((r) => r.includes('label=person'))).toEqual([
      ['pipeline=porch', 'line=gate', 'label=person', 'direction=in', 1],
      ['pipeline=porch', 'line=gate', 'label=person', 'direction=out', 0],
    ]);
  });

  it('are absent when no pipeline has zones or lines', () => {
    const registry = new MetricsRegistry();
    registry.sinkFor('plain');
    const text = renderMetrics([snapshotOf({ name: 'plain', state: 'running', delegate: 'cpu', attempts: 1 }, totalsOf(report('plain')), report('plain'))], registry);
    expect(text).not.toContain('edgepipe_zone');
    expect(text).not.toContain('edgepipe_line');
  });
});

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

describe.skipIf(!runFfmpegTests)('zone counts scraped from a running pipeline', () => {
  it('edgepipe run: the tracked person inside the door zone is counted on /metrics while the pipeline runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-zone-metrics-'));
    // The stand-in detector reports one person box whatever the image: bottom centre at (0.5, 0.75) of the frame.
    const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [{ cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 0, score: 0.9 }]);
    const labels = path.join(dir, 'labels.txt');
    writeFileSync(labels, 'person\nbicycle\ncar\n');
    const config = path.join(dir, 'hall.yaml');
    writeFileSync(config, `
version: 1
runtime:
  http: { listen: "127.0.0.1:0" }
pipelines:
  - name: hall
    source: { kind: camera, input: "lavfi:testsrc2=size=160x120:rate=10", realtime: true, output: i420 }
    model: { file: ${model}, labels: ${labels} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    track: { min_hits: 2 }
    zones:
      - { name: door, points: [[40, 60], [120, 60], [120, 119], [40, 119]], min_time_s: 0 }
      - { name: yard, points: [[0, 0], [30, 0], [30, 30]], classes: [person], min_time_s: 0 }
    lines:
      - { name: gate, points: [[0, 20], [159, 20]], classes: [car] }
    sinks: [ { kind: stdout } ]
`);
    expect(spawnSync('ffmpeg', ['-version']).status).toBe(0);
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 60_000;
    let port = 0;
    let families = new Map<string, Family>();
    for (;;) {
      port ||= Number(/http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1] ?? 0);
      if (port) {
        families = parsePrometheusText((await get(port, '/metrics')).body);
        if (families.get('edgepipe_zone_objects')?.samples.some((s) => s.labels['zone'] === 'door' && s.value === 1)) break;
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no person counted in the door zone within 60 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(rows(families.get('edgepipe_zone_objects'))).toEqual([
      ['pipeline=hall', 'zone=door', 'label=person', 1],
      ['pipeline=hall', 'zone=yard', 'label=person', 0],
    ]);
    expect(rows(families.get('edgepipe_zone_entries_total'))).toEqual([
      ['pipeline=hall', 'zone=door', 'label=person', 1],
      ['pipeline=hall', 'zone=yard', 'label=person', 0],
    ]);
    expect(rows(families.get('edgepipe_line_crossings_total'))).toEqual([
      ['pipeline=hall', 'line=gate', 'label=car', 'direction=in', 0],
      ['pipeline=hall', 'line=gate', 'label=car', 'direction=out', 0],
    ]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
  }, 90_000);
});

/** The local HTTP endpoint with real pipelines: /metrics parses as Prometheus text, /healthz, /status, validation. */
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/core/log.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import { HttpEndpoint } from '../../src/service/http-endpoint.js';
import { MetricsRegistry } from '../../src/service/metrics.js';
import { escapeLabelValue, renderMetrics } from '../../src/service/prometheus.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { parsePrometheusText } from './prometheus-parse.js';
import { defaultRuntime } from '../../src/config/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-http-'));
const model = writeColourModel(dir);
const doorFile = path.join(dir, 'door.jsonl');

/** A machine whose only thermal zone reads 55.5 °C (see test/pipeline/thermal.test.ts). */
function fakeThermalRoot(): string {
  const root = path.join(dir, 'machine');
  mkdirSync(path.join(root, 'sys/class/thermal/thermal_zone0'), { recursive: true });
  writeFileSync(path.join(root, 'sys/class/thermal/thermal_zone0/type'), 'cpu-thermal\n');
  writeFileSync(path.join(root, 'sys/class/thermal/thermal_zone0/temp'), '55500\n');
  return root;
}

/** Every family /metrics has, with its type: the same set with or without pipelines. */
const metricTypes = {
  edgepipe_frames_in_total: 'counter',
  edgepipe_frames_out_total: 'counter',
  edgepipe_frames_dropped_total: 'counter',
  edgepipe_pipeline_up: 'gauge',
  edgepipe_pipeline_state: 'gauge',
  edgepipe_pipeline_paused: 'gauge',
  edgepipe_pipeline_start_attempts_total: 'counter',
  edgepipe_delegate_info: 'gauge',
  edgepipe_delegate_changes_total: 'counter',
  edgepipe_delegate_failovers_total: 'counter',
  edgepipe_source_restarts_total: 'counter',
  edgepipe_source_corrupt_frames_total: 'counter',
  edgepipe_source_downtime_seconds_total: 'counter',
  edgepipe_source_last_frame_age_seconds: 'gauge',
  edgepipe_source_state: 'gauge',
  edgepipe_sensor_samples_total: 'counter',
  edgepipe_sensor_filled_values_total: 'counter',
  edgepipe_sensor_incomplete_windows_total: 'counter',
  edgepipe_sensor_discarded_samples_total: 'counter',
  edgepipe_sink_written_total: 'counter',
  edgepipe_sink_dropped_total: 'counter',
  edgepipe_sink_errors_total: 'counter',
  edgepipe_sink_pending: 'gauge',
  edgepipe_sink_refused_total: 'counter',
  edgepipe_sink_dead_lettered_total: 'counter',
  edgepipe_sink_unstored_total: 'counter',
  edgepipe_soc_temperature_celsius: 'gauge',
  edgepipe_thermal_throttling: 'gauge',
  edgepipe_gc_collections_total: 'counter',
  edgepipe_gc_pause_seconds_total: 'counter',
  edgepipe_stage_latency_seconds: 'histogram',
};

function get(port: number, pathname: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false, so the client keeps no socket open after the test.
    const request = http.request({ host: '127.0.0.1', port, path: pathname, method, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }));
    });
    request.on('error', reject);
    request.end();
  });
}

async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const openNetHandles = (): string[] => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP'));

describe('the HTTP endpoint with running pipelines', () => {
  const logger = memoryLogger();
  const registry = new MetricsRegistry();
  const runtime = { ...defaultRuntime(), thermal: { ...defaultRuntime().thermal, root: fakeThermalRoot(), zones: ['cpu-thermal'], intervalS: 3600 } };
  const context = { runtime, logger, extraSinks: (p: string) => [registry.sinkFor(p)] };
  const supervisors: Supervisor[] = [
    new Supervisor(
      [
        pipelineConfig('camera', { model: { file: model }, source: { kind: 'synthetic', width: 64, height: 48, fps: 100, pattern: 'colours', frames: 0 } }),
        pipelineConfig('door "2"', {
          model: { file: model },
          source: { kind: 'synthetic', width: 64, height: 48, fps: 0, pattern: 'colours', frames: 5 },
          sinks: [{ kind: 'file', path: doorFile, maxBytes: 1024 * 1024, keep: 1 }],
        }),
      ],
      context,
    ),
  ];
  let endpoint: HttpEndpoint;
  let port = 0;
  const handlesBefore = openNetHandles().length;

  beforeAll(async () => {
    endpoint = new HttpEndpoint({ listen: '127.0.0.1:0', supervisors: () => supervisors, registry, logger });
    port = (await endpoint.start()).port;
    await supervisors[0]!.start();
    const camera = () => supervisors[0]!.pipelines().find((p) => p.name === 'camera')!;
    // The tests read door "2" as ended: its five frames must be through (on a loaded machine the camera may get
    // its five first).
    const state = (name: string) => supervisors[0]!.status().find((s) => s.name === name)?.state;
    await until(() => camera().stats.framesOut >= 5 && state('camera') === 'running' && state('door "2"') === 'ended');
  }, 30_000);

  afterAll(async () => {
    await Promise.all(supervisors.map((s) => s.stop()));
    await endpoint.stop();
    // libuv releases a closed server's handle on a later loop turn.
    await until(() => openNetHandles().length <= handlesBefore, 1000).catch(() => undefined);
    expect(openNetHandles()).toHaveLength(handlesBefore);
  });

  it('listens on the port the system chose and logs it', () => {
    expect(port).toBeGreaterThan(0);
    expect(logger.entries.map((e) => e.message)).toContain(`http: listening on http://127.0.0.1:${port} (/healthz, /metrics, /status)`);
  });

  it('/metrics parses as Prometheus text 0.0.4 with counters, gauges and latency histograms', async () => {
    const response = await get(port, '/metrics');
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(response.body);
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toEqual(metricTypes);
    for (const family of families.values()) expect(family.help, family.name).not.toBe('');
    const sample = (name: string, labels: Record<string, string>) =>
      families.get(name.replace(/_(bucket|sum|count)$/, ''))!.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(sample('edgepipe_frames_out_total', { pipeline: 'camera' })!.value).toBeGreaterThanOrEqual(5);
    // A quote in a name comes back unescaped from the strict parser.
    expect(sample('edgepipe_frames_in_total', { pipeline: 'door "2"' })!.value).toBe(5);
    expect(sample('edgepipe_pipeline_up', { pipeline: 'camera' })).toMatchObject({ labels: { state: 'running' }, value: 1 });
    expect(sample('edgepipe_pipeline_up', { pipeline: 'door "2"' })).toMatchObject({ labels: { state: 'ended' }, value: 0 });
    expect(sample('edgepipe_delegate_info', { pipeline: 'camera' })!.labels['delegate']).toMatch(/xnnpack|cpu/);
    // Histogram: cumulative buckets ending in +Inf, equal to _count; one series per stage.
    for (const stage of ['queue', 'preprocess', 'wait', 'infer', 'postprocess', 'total']) {
      const buckets = families.get('edgepipe_stage_latency_seconds')!.samples.filter(
        (s) => s.name.endsWith('_bucket') && s.labels['pipeline'] === 'camera' && s.labels['stage'] === stage,
      );
      const values = buckets.map((b) => b.value);
      expect(values, stage).toEqual([...values].sort((a, b) => a - b));
      expect(buckets.at(-1)!.labels['le']).toBe('+Inf');
      const count = sample('edgepipe_stage_latency_seconds_count', { pipeline: 'camera', stage })!.value;
      expect(buckets.at(-1)!.value).toBe(count);
      expect(count).toBeGreaterThanOrEqual(5);
      expect(sample('edgepipe_stage_latency_seconds_sum', { pipeline: 'camera', stage })!.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('/metrics has the sinks, the SoC temperature, failovers and the state of each pipeline', async () => {
    const scrape = async () => parsePrometheusText((await get(port, '/metrics')).body);
    const value = (families: Map<string, { samples: Array<{ labels: Record<string, string>; value: number }> }>, name: string, labels: Record<string, string>) =>
      families.get(name)!.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const door = { pipeline: 'door "2"', sink: 'door "2"/file', kind: 'file' };
    // The file sink counts a line once it is on disk: scrape until the fifth is.
    let families = await scrape();
    for (let i = 0; i < 500 && value(families, 'edgepipe_sink_written_total', door) !== 5; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      families = await scrape();
    }
    expect(value(families, 'edgepipe_sink_written_total', door)).toBe(5);
    expect(readFileSync(doorFile, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(value(families, 'edgepipe_frames_out_total', { pipeline: 'door "2"' })).toBe(5);
    expect(value(families, 'edgepipe_sink_dropped_total', door)).toBe(0);
    expect(value(families, 'edgepipe_sink_errors_total', door)).toBe(0);
    expect(value(families, 'edgepipe_sink_pending', door)).toBe(0);
    // Only MQTT sinks have refusals; the metrics sink is an observer, not a configured sink.
    expect(families.get('edgepipe_sink_refused_total')!.samples).toEqual([]);
    expect(families.get('edgepipe_sink_written_total')!.samples.map((s) => s.labels['sink'])).toEqual(['door "2"/file']);
    // Process-wide, without a pipeline label.
    expect(families.get('edgepipe_soc_temperature_celsius')!.samples).toEqual([{ name: 'edgepipe_soc_temperature_celsius', labels: { zone: 'cpu-thermal' }, value: 55.5 }]);
    expect(families.get('edgepipe_thermal_throttling')!.samples).toEqual([{ name: 'edgepipe_thermal_throttling', labels: {}, value: 0 }]);
    expect(value(families, 'edgepipe_delegate_failovers_total', { pipeline: 'camera' })).toBe(0);
    const states = families.get('edgepipe_pipeline_state')!.samples.filter((s) => s.labels['pipeline'] === 'camera');
    expect(states.filter((s) => s.value === 1).map((s) => s.labels['state'])).toEqual(['running']);
    expect(states.map((s) => s.labels['state'])).toEqual(expect.arrayContaining(['starting', 'running', 'backoff', 'ended', 'stopped']));
    expect(value(families, 'edgepipe_pipeline_state', { pipeline: 'door "2"', state: 'ended' })).toBe(1);
    expect(value(families, 'edgepipe_pipeline_paused', { pipeline: 'camera' })).toBe(0);
    // Synthetic sources are not supervised and read no sensor.
    for (const name of ['edgepipe_source_restarts_total', 'edgepipe_source_state', 'edgepipe_sensor_samples_total']) {
      expect(families.get(name)!.samples, name).toEqual([]);
    }
  });

  it('/metrics leaves the fps window of the stats lines alone', async () => {
    const camera = supervisors[0]!.pipelines().find((p) => p.name === 'camera')!;
    camera.report();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await get(port, '/metrics');
    await get(port, '/status');
    // Had the scrape called report(), the window would have restarted just now.
    expect(camera.report().intervalS).toBeGreaterThanOrEqual(0.2);
  });

  it('/healthz is 200 while every pipeline runs or has ended', async () => {
    expect(await get(port, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it('/status is JSON with the supervisor status and counters', async () => {
    const response = await get(port, '/status');
    expect(response.type).toBe('application/json; charset=utf-8');
    const status = JSON.parse(response.body) as { healthy: boolean; pipelines: Array<{ name: string; state: string; framesOut: number; attempts: number }> };
    expect(status.healthy).toBe(true);
    expect(status.pipelines.map((p) => [p.name, p.state, p.attempts])).toEqual([
      ['camera', 'running', 1],
      ['door "2"', 'ended', 1],
    ]);
    expect(status.pipelines[0]!.framesOut).toBeGreaterThanOrEqual(5);
  });

  it('/healthz is 503 with the reason when a pipeline is in backoff', async () => {
    const failing = new Supervisor([pipelineConfig('broken', { model: { file: path.join(dir, 'missing.tflite') } })], context, { initialMs: 60_000 });
    supervisors.push(failing);
    await failing.start();
    expect(failing.status()[0]!.state).toBe('backoff');
    const response = await get(port, '/healthz');
    expect(response.status).toBe(503);
    expect(response.body).toMatch(/^broken: backoff: .*missing\.tflite.* \(retry in \d+ ms\)\n$/);
    expect(JSON.parse((await get(port, '/status')).body)).toMatchObject({ healthy: false, reasons: [expect.stringMatching(/^broken: backoff/)] });
    const metrics = parsePrometheusText((await get(port, '/metrics')).body);
    expect(metrics.get('edgepipe_pipeline_up')!.samples.find((s) => s.labels['pipeline'] === 'broken')).toMatchObject({ labels: { state: 'backoff' }, value: 0 });
  });

  it('answers 404 for other paths and 405 for other methods; HEAD has no body', async () => {
    expect((await get(port, '/nope')).status).toBe(404);
    expect((await get(port, '/metrics', 'POST')).status).toBe(405);
    expect(await get(port, '/healthz', 'HEAD')).toMatchObject({ body: '' });
  });
});

describe('the HTTP endpoint address', () => {
  const options = { supervisors: () => [], registry: new MetricsRegistry(), logger: memoryLogger() };

  it('refuses a non-loopback address unless allowRemote', () => {
    expect(() => new HttpEndpoint({ ...options, listen: '0.0.0.0:9108' })).toThrow(
      'runtime.http.listen: "0.0.0.0" is not a loopback address; use 127.0.0.1, or set allow_remote: true',
    );
    expect(() => new HttpEndpoint({ ...options, listen: '0.0.0.0:9108', allowRemote: true })).not.toThrow();
    expect(() => new HttpEndpoint({ ...options, listen: '9108' })).toThrow(
      'Expected an address host:port such as 127.0.0.1:9108 for runtime.http.listen but received "9108"',
    );
  });

  it('listens on 127.0.0.1 for ":0" and closes on stop', async () => {
    const endpoint = new HttpEndpoint({ ...options, listen: ':0' });
    const bound = await endpoint.start();
    expect(bound.host).toBe('127.0.0.1');
    expect((await get(bound.port, '/healthz')).status).toBe(200);
    await endpoint.stop();
    await expect(get(bound.port, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('escapes label values and renders an empty registry', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const empty = parsePrometheusText(renderMetrics([], new MetricsRegistry()));
    expect(Object.fromEntries([...empty.values()].map((f) => [f.name, f.type]))).toEqual(metricTypes);
    // Without pipelines only the process's garbage collections have samples.
    expect([...empty.values()].filter((f) => f.samples.length > 0).map((f) => f.name)).toEqual(['edgepipe_gc_collections_total', 'edgepipe_gc_pause_seconds_total']);
  });
});

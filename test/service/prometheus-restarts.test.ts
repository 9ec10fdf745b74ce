/**
 * /metrics counters across a pipeline's restarts: each reload of a changed pipeline makes a new Pipeline whose own
 * counters start at 0, yet the exposed counters keep growing, even with no scrape between two restarts.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRuntime } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { HttpEndpoint } from '../../src/service/http-endpoint.js';
import { MetricsRegistry } from '../../src/service/metrics.js';
import { PipelineSet } from '../../src/service/pipeline-set.js';
import type { PipelineSpec } from '../../src/service/reload-plan.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { parsePrometheusText, type Family } from './prometheus-parse.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-metrics-restarts-'));
const model = writeColourModel(dir);
const out = path.join(dir, 'door.jsonl');

/** A finite door pipeline writing to a file; `frames` differs per version so a reload restarts it. */
const spec = (frames: number): PipelineSpec => ({
  config: pipelineConfig('door', {
    // No delegate descriptors here: the CPU, which needs none.
    model: { file: model, delegates: ['cpu'] },
    source: { kind: 'synthetic', width: 64, height: 48, fps: 0, pattern: 'colours', frames },
    // Room for every frame: the synthetic source does not wait for the pipeline.
    buffer: { policy: 'queue', size: 16 },
    sinks: [{ kind: 'file', path: out, maxBytes: 1024 * 1024, keep: 1 }],
  }),
  // No health check: a finite source may end before the check would look.
  runtime: { ...defaultRuntime(), reloadHealthS: 0 },
  descriptors: new Map(),
});

const scrape = (port: number): Promise<Map<string, Family>> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          try {
            resolve(parsePrometheusText(body));
          } catch (error) {
            reject(error);
          }
        });
      })
      .on('error', reject);
  });

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined =>
  families
    .get(name.replace(/_(sum|count)$/, ''))
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('/metrics across pipeline restarts', () => {
  const registry = new MetricsRegistry();
  const set = new PipelineSet({ logger: memoryLogger(), extraSinks: (pipeline) => [registry.sinkFor(pipeline)] });
  const endpoint = new HttpEndpoint({ listen: '127.0.0.1:0', supervisors: () => set.supervisors(), registry, logger: memoryLogger() });

  afterAll(async () => {
    await set.stop();
    await endpoint.stop();
  });

  it('keeps frames, sink and latency counters monotonic over two restarts without a scrape between them', async () => {
    const { port } = await endpoint.start();
    await set.start([spec(5)]);
    await set.whenAllEnded();
    const first = await scrape(port);
    expect(value(first, 'edgepipe_frames_in_total', { pipeline: 'door' })).toBe(5);

    // Two restarts (5 -> 7 -> 9 frames), the second before any scrape sees the 7-frame instance.
    await set.reload([spec(7)]);
    await set.whenAllEnded();
    await set.reload([spec(9)]);
    await set.whenAllEnded();
    await set.stop();

    const families = await scrape(port);
    const door = { pipeline: 'door' };
    const sink = { pipeline: 'door', sink: 'door/file', kind: 'file' };
    expect(value(families, 'edgepipe_frames_in_total', door)).toBe(5 + 7 + 9);
    const framesOut = value(families, 'edgepipe_frames_out_total', door)!;
    expect(framesOut).toBe(21);
    expect(families.get('edgepipe_frames_dropped_total')!.samples).toEqual([]);
    // Every prediction delivered reached the file, and the counter says so.
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(21);
    expect(value(families, 'edgepipe_sink_written_total', sink)).toBe(21);
    expect(value(families, 'edgepipe_sink_pending', sink)).toBe(0);
    // The latency histogram has always been kept by name: it agrees with the folded counters.
    expect(value(families, 'edgepipe_stage_latency_seconds_count', { pipeline: 'door', stage: 'total' })).toBe(21);
    expect(value(families, 'edgepipe_pipeline_state', { pipeline: 'door', state: 'stopped' })).toBe(1);
    expect(value(families, 'edgepipe_delegate_failovers_total', door)).toBe(0);

    // Scraping again adds nothing: folding happens once per instance.
    expect(value(await scrape(port), 'edgepipe_frames_in_total', door)).toBe(21);
  }, 20_000);
});

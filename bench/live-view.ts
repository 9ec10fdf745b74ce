/**
 * The live view's cost and delay (issue 15): the camera-latest setup (ffmpeg testsrc2 640x480 paced at 30 fps into
 * the COCO SSD MobileNet v1 detector on the CPU kernels, 1 thread, `buffer: latest`: the model is the bottleneck,
 * as on a Pi) served by the HTTP endpoint with the live view, and 0, 1 or 4 MJPEG viewers at 10 fps connected over
 * 127.0.0.1. Phases alternate (0, 1, 4, 0, 1, 4 viewers, PHASE_S each) so a drift of the shared machine's load
 * shows in both halves. Reports the pipeline's predictions per second per viewer count, the cost at 1 and 4
 * viewers against 0 (goal: at most 10% at 1), frames encoded, and the delay from capture (the part's
 * X-Capture-Time) to the whole part being received by the client, p50/p99 (goal: under 500 ms).
 *
 * `npm run bench -- live-view`.
 */
import http from 'node:http';
import path from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { memoryLogger } from '../src/core/log.js';
import { LiveServer } from '../src/live/index.js';
import { Supervisor } from '../src/pipeline/supervisor.js';
import { summarise } from '../src/runtime/timing.js';
import { HttpEndpoint } from '../src/service/http-endpoint.js';
import { MetricsRegistry } from '../src/service/metrics.js';
import { applyHeapSetting } from './collections.js';

const MODEL = 'coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite';
const PHASE_S = 10;
const VIEWER_FPS = 10;
const PHASES = [0, 1, 4, 0, 1, 4];

/** An MJPEG client that records, per part, the delay from its X-Capture-Time to its last byte's arrival. */
function viewer(port: number, name: string, delays: number[]): () => void {
  let buffer = Buffer.alloc(0);
  const request = http.get({ host: '127.0.0.1', port, path: `/api/pipelines/${name}/stream.mjpeg?fps=${VIEWER_FPS}`, agent: false }, (response) => {
    response.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const headEnd = buffer.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = buffer.subarray(0, headEnd).toString('latin1');
        const length = Number(/Content-Length: (\d+)/i.exec(head)?.[1]);
        const captured = Number(/X-Capture-Time: (\d+)/i.exec(head)?.[1]);
        if (buffer.byteLength < headEnd + 4 + length + 2) return;
        delays.push(Date.now() - captured);
        buffer = buffer.subarray(headEnd + 4 + length + 2);
      }
    });
  });
  request.on('error', () => undefined);
  return () => request.destroy();
}

export async function liveViewBenchmark(models: string): Promise<unknown> {
  const heap = applyHeapSetting();
  const yaml = [
    'version: 1',
    'pipelines:',
    '  - name: live-bench',
    '    source: { kind: camera, input: "lavfi:testsrc2=size=640x480:rate=30", realtime: true, output: rgb24 }',
    `    model: { file: "${path.join(models, MODEL)}", delegates: [cpu], threads: 1 }`,
    '    postprocess: { kind: detect-ssd, threshold: 0.3 }',
    '    buffer: { policy: latest }',
    '    stats_interval_s: 0',
  ].join('\n');
  const config = parseConfig(path.join(models, 'live-bench.yaml'), yaml);
  const logger = memoryLogger();
  const registry = new MetricsRegistry();
  let supervisor: Supervisor | undefined;
  const live = new LiveServer({ supervisors: () => (supervisor ? [supervisor] : []), logger, maxViewers: 8, maxFps: VIEWER_FPS });
  supervisor = new Supervisor(config.pipelines.map((p) => ({ ...p, sinks: [] })), { runtime: config.runtime, logger, extraSinks: (n) => [registry.sinkFor(n), live.sinkFor(n)] });
  const endpoint = new HttpEndpoint({ listen: '127.0.0.1:0', supervisors: () => [supervisor!], registry, logger, extension: live });
  const { port } = await endpoint.start();
  await supervisor.start();
  const pipeline = supervisor.pipelines()[0]!;
  const tap = live.tapOf('live-bench');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const byViewers = new Map<number, { frames: number; seconds: number; encoded: number; sent: number; skipped: number; delays: number[]; pipelineTotalP50: number[] }>();
  for (const count of PHASES) {
    const delays: number[] = [];
    const closers = Array.from({ length: count }, () => viewer(port, 'live-bench', delays));
    // One second to connect and settle before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = { out: pipeline.peek().framesOut, encoded: tap.encoded, sent: tap.sent, skipped: tap.skipped, at: performance.now() };
    delays.length = 0;
    await new Promise((resolve) => setTimeout(resolve, PHASE_S * 1000));
    const after = { out: pipeline.peek().framesOut, encoded: tap.encoded, sent: tap.sent, skipped: tap.skipped, at: performance.now() };
    for (const close of closers) close();
    const entry = byViewers.get(count) ?? { frames: 0, seconds: 0, encoded: 0, sent: 0, skipped: 0, delays: [], pipelineTotalP50: [] };
    // The pipeline's own capture-to-sink median (its latency window): what the delay above it is the view's.
    entry.pipelineTotalP50.push(pipeline.peek().latencyMs.total.p50);
    entry.frames += after.out - before.out;
    entry.seconds += (after.at - before.at) / 1000;
    entry.encoded += after.encoded - before.encoded;
    entry.sent += after.sent - before.sent;
    entry.skipped += after.skipped - before.skipped;
    entry.delays.push(...delays);
    byViewers.set(count, entry);
  }
  await supervisor.stop();
  live.stop();
  await endpoint.stop();
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const fps = (count: number): number => byViewers.get(count)!.frames / byViewers.get(count)!.seconds;
  const phases = Object.fromEntries(
    [...byViewers].map(([count, e]) => {
      const delay = e.delays.length > 0 ? summarise(e.delays) : undefined;
      return [
        `viewers_${count}`,
        {
          predictions_per_s: r2(e.frames / e.seconds),
          pipeline_capture_to_sink_p50_ms: r2(e.pipelineTotalP50.reduce((a, b) => a + b, 0) / e.pipelineTotalP50.length),
          encoded_per_s: r2(e.encoded / e.seconds),
          parts_sent: e.sent,
          parts_skipped: e.skipped,
          ...(delay ? { capture_to_client_p50_ms: r2(delay.p50), capture_to_client_p99_ms: r2(delay.p99), capture_to_client_max_ms: r2(Math.max(...e.delays)) } : {}),
        },
      ];
    }),
  );
  return {
    name: 'live-view',
    model: MODEL,
    delegate: pipeline.delegate,
    viewer_fps: VIEWER_FPS,
    phase_s: PHASE_S,
    phases_order: PHASES,
    ...phases,
    cost_1_viewer_percent: r2((1 - fps(1) / fps(0)) * 100),
    cost_4_viewers_percent: r2((1 - fps(4) / fps(0)) * 100),
    heap_growing_percent: heap,
  };
}

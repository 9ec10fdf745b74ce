/**
 * End-to-end pipeline benchmarks on tf2_mobilenet_v2 (XNNPACK, 1 thread) over a 720p JPEG source:
 * - throughput against 1 / max(preprocess, invoke) measured in the same run (does the overlap work?);
 * - p99 capture-to-sink latency at 30 fps and at half capacity against the median of preprocess + invoke +
 *   postprocess, with the garbage collections that ran meanwhile;
 * - RSS over many frames (flat? under 250 MB?).
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineConfig } from '../src/config/types.js';
import type { Prediction } from '../src/core/frame.js';
import { memoryLogger } from '../src/core/log.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { summarise } from '../src/runtime/timing.js';
import { defaultRuntime, parseConfig } from '../src/config/load.js';
import { callbackSink } from '../src/sinks/callback-sink.js';
import { applyHeapSetting, countCollections } from './collections.js';

/** The benchmark's pipeline, through the real YAML loader so every other field takes its documented default. */
function config(models: string, imagesGlob: string, fps: number): PipelineConfig {
  const yaml = [
    'version: 1',
    'pipelines:',
    '  - name: bench',
    `    source: { kind: images, path: "${imagesGlob}", loop: true, fps: ${fps} }`,
    `    model: { file: "${path.join(models, 'tf2_mobilenet_v2_1.0_224_ptq.tflite')}", delegates: [xnnpack, cpu], threads: 1 }`,
    '    postprocess: { kind: classify, top_k: 5 }',
    fps > 0 ? '    buffer: { policy: latest }' : '    buffer: { policy: queue, size: 2 }',
    '    stats_interval_s: 0',
  ].join('\n');
  // The in-process sink the benchmark adds is the only one (the loader's default stdout sink is dropped).
  return { ...parseConfig(path.join(imagesGlob, '..', 'bench.yaml'), yaml).pipelines[0]!, sinks: [] };
}

interface Run {
  predictions: number;
  seconds: number;
  framesIn: number;
  drops: Record<string, number | undefined>;
  stage: { queue: number[]; preprocess: number[]; infer: number[]; postprocess: number[]; total: number[] };
  rssMb: number[];
}

async function run(cfg: PipelineConfig, frames: number, rssEvery = 0): Promise<Run> {
  const stage = { queue: [] as number[], preprocess: [] as number[], infer: [] as number[], postprocess: [] as number[], total: [] as number[] };
  const rssMb: number[] = [];
  let count = 0;
  let first = 0;
  let last = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const onPrediction = (p: Prediction): void => {
    count += 1;
    if (count === 1) first = performance.now();
    last = performance.now();
    // The first frames pay warm-up effects of sharp and the allocator; measure the steady state. The memory run
    // keeps no per-frame timings: 20,000 of them would be growth of the bench's own, not the pipeline's.
    if (count > 20 && rssEvery === 0) {
      stage.queue.push(p.latencyMs.queue);
      stage.preprocess.push(p.latencyMs.preprocess);
      stage.infer.push(p.latencyMs.infer);
      stage.postprocess.push(p.latencyMs.postprocess);
      stage.total.push(p.latencyMs.total);
    }
    if (rssEvery > 0 && count % rssEvery === 0) rssMb.push(Math.round(process.memoryUsage().rss / 2 ** 20));
    if (count === frames) done();
  };
  const pipeline = new Pipeline(cfg, { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (n) => [callbackSink(n, onPrediction)] });
  await pipeline.start();
  await finished;
  await pipeline.stop();
  const report = pipeline.report();
  return { predictions: count, seconds: (last - first) / 1000, framesIn: report.framesIn, drops: report.drops, stage, rssMb };
}

const median = (xs: number[]): number => summarise(xs).p50;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

/** p99 capture-to-sink at `rate` against the median of preprocess + invoke + postprocess of the same frames. */
async function latencyRun(cfg: PipelineConfig, rate: number, frames: number, heap: number | 'v8 default'): Promise<unknown> {
  const collections = countCollections();
  const measured = await run(cfg, frames);
  const gc = collections.stop();
  const { stage } = measured;
  const work = stage.preprocess.map((p, i) => p + stage.infer[i]! + stage.postprocess[i]!);
  const total = summarise(stage.total);
  return {
    name: 'pipeline_latency', source_fps: rate, frames: measured.predictions, total_p50_ms: r3(total.p50), total_p99_ms: r3(total.p99),
    work_p50_ms: r3(median(work)), work_p99_ms: r3(summarise(work).p99), queue_p99_ms: r3(summarise(stage.queue).p99),
    preprocess_p50_p99_ms: [r3(median(stage.preprocess)), r3(summarise(stage.preprocess).p99)],
    infer_p50_p99_ms: [r3(median(stage.infer)), r3(summarise(stage.infer).p99)],
    ratio_p99_to_work: r3(total.p99 / median(work)), gc, heap_growing_percent: heap, drops: measured.drops,
  };
}


export async function pipelineBenchmarks(models: string, which: readonly string[]): Promise<unknown[]> {
  const heap = applyHeapSetting();
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-bench-'));
  // Several copies so the source really reads and decodes a file per frame.
  for (let i = 0; i < 8; i += 1) copyFileSync(path.join(models, 'images', 'cat_720p.jpg'), path.join(dir, `frame${i}.jpg`));
  const glob = path.join(dir, '*.jpg');
  const out: unknown[] = [];

  const capacityRun = await run(config(models, glob, 0), 600);
  const pre = median(capacityRun.stage.preprocess);
  const inf = median(capacityRun.stage.infer);
  const capacityFps = 1000 / Math.max(pre, inf);
  const fps = (capacityRun.predictions - 1) / capacityRun.seconds;
  if (which.includes('throughput')) {
    out.push({
      name: 'pipeline_throughput', model: 'tf2_mobilenet_v2_1.0_224_ptq', input: '720p JPEG', frames: capacityRun.predictions,
      fps: r3(fps), preprocess_p50_ms: r3(pre), invoke_p50_ms: r3(inf), bound_fps: r3(capacityFps), ratio: r3(fps / capacityFps),
      serial_fps: r3(1000 / (pre + inf)), drops: capacityRun.drops,
    });
  }
  if (which.includes('latency')) {
    // A camera's 30 fps and half the measured capacity, 1,000 frames each (a p99 is then the 10th-largest value);
    // EDGEPIPE_BENCH_LATENCY_FPS picks one rate instead, EDGEPIPE_BENCH_LATENCY_FRAMES the length.
    const chosen = process.env['EDGEPIPE_BENCH_LATENCY_FPS'];
    const rates = chosen !== undefined ? [Number(chosen)] : [30, Math.floor(fps / 2)];
    const frames = Number(process.env['EDGEPIPE_BENCH_LATENCY_FRAMES'] ?? 1000);
    for (const rate of rates) out.push(await latencyRun(config(models, glob, rate), rate, frames, heap));
  }
  if (which.includes('memory')) {
    const frames = Number(process.env['EDGEPIPE_BENCH_FRAMES'] ?? 20000);
    const memoryRun = await run(config(models, glob, 0), frames, 1000);
    out.push({
      name: 'pipeline_memory', frames: memoryRun.predictions, seconds: r3(memoryRun.seconds),
      heap_growing_percent: heap, rss_mb_every_1000: memoryRun.rssMb, rss_mb_max: Math.max(...memoryRun.rssMb),
      rss_growth_mb_after_first_5000: (memoryRun.rssMb[memoryRun.rssMb.length - 1] ?? 0) - (memoryRun.rssMb[4] ?? 0),
    });
  }
  return out;
}

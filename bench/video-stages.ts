/**
 * Issue 14, part 3: where the time of a frame goes when the detector is fast. The shared videos
 * (video/people-walk.mp4, video/car-detection.mp4, 768x432 H.264) through the camera source as fast as the pipeline
 * takes them (`realtime: false`, `loop: true`), the COCO SSD MobileNet v1 rewritten to int8 by `edgepipe optimize`
 * (what `model.optimize: auto` switches to) on XNNPACK with 1 thread, `detect-ssd`, an in-process sink.
 *
 * Per frame, over a measured window after a warm-up:
 * - decode: ffmpeg's CPU time (a separate process: utime + stime from /proc/<pid>/stat), which includes its
 *   conversion to the output pixel format and any scaling it is asked to do;
 * - frame assembly: time in the camera source's RawFrameSplitter.push (the copy from the pipe's chunks into a
 *   frame buffer), measured in place by wrapping the method;
 * - preprocess, wait (incl. the copy into the interpreter), infer, postprocess: the pipeline's own stage timings;
 * - sink: time in the sink's write (here a callback that only counts: the floor);
 * - this process's CPU per frame, and the same minus the summed invoke times (outside TFLite).
 * Variants are run alternately (rounds), so a change of the host's load shows in all of them.
 *
 *   npm run bench -- video-stages     (or `node dist-bench/bench/run.js video-stages` once built)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { defaultRuntime, parseConfig } from '../src/config/load.js';
import type { Prediction } from '../src/core/frame.js';
import { memoryLogger } from '../src/core/log.js';
import { optimizeModelBytes } from '../src/optimize/index.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { summarise } from '../src/runtime/timing.js';
import { callbackSink } from '../src/sinks/callback-sink.js';
import { RawFrameSplitter } from '../src/sources/frame-splitter.js';
import { applyHeapSetting } from './collections.js';

const MODEL = 'coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite';
export const VIDEOS = ['video/people-walk.mp4', 'video/car-detection.mp4'] as const;

/** One way of running the same video: extra keys of the source section and of the preprocess section. */
export interface StageVariant {
  label: string;
  /** YAML flow-map entries added to `source:` (e.g. `output: i420`). */
  source: string;
  /** YAML flow-map entries of `preprocess:`. */
  preprocess: string;
}

export const DEFAULT_VARIANTS: StageVariant[] = [
  // Before: full frames, resized by the preprocessor (sharp, lanczos3).
  { label: 'rgb24 full frame', source: 'output: rgb24, decoder_resize: false', preprocess: 'resize: fill' },
  { label: 'i420 full frame', source: 'output: i420, decoder_resize: false', preprocess: 'resize: fill' },
  // After: ffmpeg resizes to 300x300 rgb24 while decoding (the default when nothing reads the full frame).
  { label: 'decoder resize', source: 'output: rgb24, decoder_resize: true', preprocess: 'resize: fill' },
];

/** The int8 rewrite of the COCO SSD, written once to .cache/bench (as c-comparison-optimized does). */
export function optimizedDetector(root: string, models: string): string {
  const source = path.join(models, MODEL);
  const out = path.join(root, '.cache', 'bench', `${path.basename(MODEL, '.tflite')}.int8.tflite`);
  if (!existsSync(out)) {
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, optimizeModelBytes(readFileSync(source), source).bytes);
  }
  return out;
}

/** Time spent in RawFrameSplitter.push since the last reset, ms (the bench wraps the method once). */
const splitter = { ms: 0, wrapped: false };
function wrapSplitter(): void {
  if (splitter.wrapped) return;
  splitter.wrapped = true;
  const push = RawFrameSplitter.prototype.push;
  RawFrameSplitter.prototype.push = function timedPush(this: RawFrameSplitter, chunk: Uint8Array): Buffer[] {
    const start = performance.now();
    try {
      return push.call(this, chunk);
    } finally {
      splitter.ms += performance.now() - start;
    }
  };
}

/** CPU seconds (utime + stime) of one process from /proc/<pid>/stat; 0 when it is gone. */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of each thread of this process (/proc/self/task/<tid>/stat utime + stime, 10 ms ticks). */
function threadCpuSeconds(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const text = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return out;
}

/**
 * CPU ms per frame by thread between two snapshots: the main (JS) thread, the busiest other thread (the
 * interpreter's invoke thread: with 1 thread XNNPACK runs there), and all others (libuv's pool, where sharp runs
 * libvips, and V8's helpers).
 */
function threadSplit(before: Map<number, number>, after: Map<number, number>, frames: number): Record<string, number> {
  const deltas = [...after].map(([tid, s]) => ({ tid, ms: (s - (before.get(tid) ?? 0)) * 1000 }));
  const main = deltas.find((d) => d.tid === process.pid)?.ms ?? 0;
  const others = deltas.filter((d) => d.tid !== process.pid).sort((a, b) => b.ms - a.ms);
  const busiest = others[0]?.ms ?? 0;
  const rest = others.slice(1).reduce((sum, d) => sum + d.ms, 0);
  return { main_js: r3(main / frames), invoke_thread: r3(busiest / frames), other_threads: r3(rest / frames) };
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const stat = (values: number[]): { p50: number; p99: number; mean: number } => {
  const s = summarise(values);
  return { p50: r3(s.p50), p99: r3(s.p99), mean: r3(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)) };
};

async function waitUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > timeoutMs) throw new Error(`video-stages: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One run: `warmup` predictions, then `frames` measured ones. */
export async function videoStageRun(models: string, detector: string, video: string, variant: StageVariant, frames = 300, warmup = 30): Promise<Record<string, unknown>> {
  wrapSplitter();
  const yaml = [
    'version: 1',
    'pipelines:',
    '  - name: video-stages',
    `    source: { kind: camera, input: "${path.join(models, video)}", realtime: false, loop: true, ${variant.source} }`,
    `    model: { file: "${detector}", delegates: [xnnpack], threads: 1 }`,
    `    preprocess: { ${variant.preprocess} }`,
    '    postprocess: { kind: detect-ssd, threshold: 0.3, max_detections: 10 }',
    '    buffer: { policy: queue, size: 4 }',
    '    stats_interval_s: 0',
  ].join('\n');
  const config = { ...parseConfig(path.join(models, 'video-stages-bench.yaml'), yaml).pipelines[0]!, sinks: [] };
  const samples: Prediction['latencyMs'][] = [];
  const sinkMs: number[] = [];
  const objects: number[] = [];
  let seen = 0;
  let measuring = false;
  const onPrediction = (p: Prediction): void => {
    seen += 1;
    if (!measuring) return;
    if (samples.length >= frames) return;
    const start = performance.now();
    samples.push({ ...p.latencyMs });
    if (p.result.kind === 'detect') objects.push(p.result.objects.length);
    sinkMs.push(performance.now() - start);
  };
  const pipeline = new Pipeline(config, { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (n) => [callbackSink(n, onPrediction)] });
  await pipeline.start();
  await waitUntil(() => seen >= warmup, 'the warm-up frames', 120_000);
  const cpu0 = process.cpuUsage();
  // This pipeline's ffmpeg only (one that a previous run left exiting would be counted by a scan of children).
  const ffmpegPid = (pipeline as unknown as { source?: { pid?: number } }).source?.pid;
  const ff0 = processCpuSeconds(ffmpegPid);
  const threads0 = threadCpuSeconds();
  splitter.ms = 0;
  const framesIn0 = pipeline.report().framesIn;
  const wall0 = performance.now();
  measuring = true;
  await waitUntil(() => samples.length >= frames, 'the measured frames', 600_000);
  const wallMs = performance.now() - wall0;
  const ff1 = (pipeline as unknown as { source?: { pid?: number } }).source?.pid === ffmpegPid ? processCpuSeconds(ffmpegPid) : Number.NaN;
  const threads1 = threadCpuSeconds();
  const cpu = process.cpuUsage(cpu0);
  const splitMs = splitter.ms;
  const framesIn = pipeline.report().framesIn - framesIn0;
  await pipeline.stop();
  const processCpuMs = (cpu.user + cpu.system) / 1000;
  const inferSum = samples.reduce((sum, s) => sum + s.infer, 0);
  return {
    name: 'video-stages',
    video,
    variant: variant.label,
    delegate: pipeline.delegate,
    decoder_resize: (pipeline as unknown as { source?: { decoderResize?: { width: number; height: number } } }).source?.decoderResize ?? 'off',
    frames: samples.length,
    fps: r3((samples.length / wallMs) * 1000),
    // Per frame, ms. ffmpeg's figure is its CPU over the frames the pipeline read in the window (10 ms ticks).
    ffmpeg_cpu_per_frame_ms: r3(((ff1 - ff0) * 1000) / framesIn),
    assembly_per_frame_ms: r3(splitMs / framesIn),
    preprocess_ms: stat(samples.map((s) => s.preprocess)),
    wait_ms: stat(samples.map((s) => s.wait)),
    infer_ms: stat(samples.map((s) => s.infer)),
    postprocess_ms: stat(samples.map((s) => s.postprocess)),
    sink_ms: stat(sinkMs),
    total_ms: stat(samples.map((s) => s.total)),
    process_cpu_per_frame_ms: r3(processCpuMs / samples.length),
    // CPU by thread (10 ms ticks); wall-clock stage times above include preemption on a loaded host.
    cpu_per_frame_ms: threadSplit(threads0, threads1, samples.length),
    outside_tflite_cpu_per_frame_ms: r3((processCpuMs - inferSum) / samples.length),
    objects_mean: r3(objects.reduce((a, b) => a + b, 0) / Math.max(1, objects.length)),
    load_average_1m: r3(loadavg()[0]!),
  };
}

/** Every video x variant, `rounds` times, alternating. */
export async function videoStagesBenchmark(root: string, models: string, variants: StageVariant[] = DEFAULT_VARIANTS, rounds = 3): Promise<Record<string, unknown>[]> {
  const heap = applyHeapSetting();
  const detector = optimizedDetector(root, models);
  const results: Record<string, unknown>[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    for (const video of VIDEOS) {
      for (const variant of variants) {
        const result = { ...(await videoStageRun(models, detector, video, variant)), round, heap_growing_percent: heap };
        console.error(JSON.stringify(result));
        results.push(result);
      }
    }
  }
  return results;
}

/**
 * A live camera through a classifier: 640x480 raw RGB frames from ffmpeg (its testsrc2 pattern, paced in real time
 * at 30 fps) -> resize to 224x224 -> tf2_mobilenet_v2 (XNNPACK, 1 thread) -> classify. Reports what a board
 * owner budgets for: CPU time per frame spent outside TFLite (reading the pipe, splitting frames, sharp,
 * quantising, postprocessing, RxJS) and frames lost (never delivered by the pipe, or dropped by the pipeline).
 *
 * CPU outside TFLite = this process's CPU time - the summed invoke times. With 1 thread XNNPACK runs on the
 * invoke thread, busy for the whole invoke, so invoke wall time is its CPU time (an upper bound: any preemption
 * inside an invoke is charged to TFLite, not to edgepipe). ffmpeg's own CPU (test pattern, RGB conversion) is
 * read from /proc and reported apart: a real camera's driver work differs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultRuntime, parseConfig } from '../src/config/load.js';
import type { Prediction } from '../src/core/frame.js';
import { memoryLogger } from '../src/core/log.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { summarise } from '../src/runtime/timing.js';
import { callbackSink } from '../src/sinks/callback-sink.js';
import { applyHeapSetting, countCollections } from './collections.js';

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds (user + system) of this process's ffmpeg children, from /proc/<pid>/stat. */
function childrenCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state ppid ...; utime and stime are fields 14 and 15 of the full line.
      if (Number(fields[1]) !== process.pid) continue;
      total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
    } catch {
      // The process ended between readdir and read.
    }
  }
  return total;
}

export async function cameraBenchmark(models: string, seconds = 20): Promise<unknown> {
  const heap = applyHeapSetting();
  const yaml = [
    'version: 1',
    'pipelines:',
    '  - name: camera-bench',
    '    source: { kind: camera, input: "lavfi:testsrc2=size=640x480:rate=30", realtime: true, output: rgb24 }',
    `    model: { file: "${path.join(models, 'tf2_mobilenet_v2_1.0_224_ptq.tflite')}", delegates: [xnnpack, cpu], threads: 1 }`,
    '    postprocess: { kind: classify, top_k: 5 }',
    '    buffer: { policy: latest }',
    '    stats_interval_s: 0',
  ].join('\n');
  const config = { ...parseConfig(path.join(models, 'camera-bench.yaml'), yaml).pipelines[0]!, sinks: [] };
  const infer: number[] = [];
  const total: number[] = [];
  const work: number[] = [];
  let predictions = 0;
  let warm = false;
  let cpuStart: NodeJS.CpuUsage | undefined;
  let inferAtStart = 0;
  let inferSum = 0;
  const onPrediction = (p: Prediction): void => {
    inferSum += p.latencyMs.infer;
    if (!warm) return;
    predictions += 1;
    infer.push(p.latencyMs.infer);
    total.push(p.latencyMs.total);
    work.push(p.latencyMs.preprocess + p.latencyMs.infer + p.latencyMs.postprocess);
  };
  const pipeline = new Pipeline(config, { runtime: defaultRuntime(), logger: memoryLogger(), extraSinks: (n) => [callbackSink(n, onPrediction)] });
  await pipeline.start();
  // Two seconds of warm-up (ffmpeg start, sharp and XNNPACK first runs), then the measured window.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = pipeline.report();
  const ffmpegBefore = childrenCpuSeconds();
  warm = true;
  cpuStart = process.cpuUsage();
  const collections = countCollections();
  inferAtStart = inferSum;
  const wallStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpuStart);
  const gc = collections.stop();
  const wallS = (performance.now() - wallStart) / 1000;
  const ffmpegCpuS = childrenCpuSeconds() - ffmpegBefore;
  const after = pipeline.report();
  await pipeline.stop();

  const processCpuMs = (cpu.user + cpu.system) / 1000;
  const inferMs = inferSum - inferAtStart;
  const framesIn = after.framesIn - before.framesIn;
  const dropped = Object.fromEntries(
    Object.entries(after.drops).map(([reason, n]) => [reason, (n ?? 0) - (before.drops[reason as keyof typeof before.drops] ?? 0)]),
  );
  const r3 = (x: number): number => Math.round(x * 1000) / 1000;
  const totalMs = summarise(total);
  const workP50 = summarise(work).p50;
  return {
    name: 'camera_640x480_rgb_30fps',
    model: 'tf2_mobilenet_v2_1.0_224_ptq',
    seconds: r3(wallS),
    frames_in: framesIn,
    predictions,
    fps_out: r3(predictions / wallS),
    // ffmpeg paces the pattern at 30 fps: fewer frames in than 30 x seconds means the pipe fell behind.
    frames_short_of_30fps: Math.max(0, Math.round(30 * wallS) - framesIn),
    dropped_in_pipeline: dropped,
    invoke_p50_ms: r3(summarise(infer).p50),
    capture_to_sink_p50_ms: r3(totalMs.p50),
    capture_to_sink_p99_ms: r3(totalMs.p99),
    work_p50_ms: r3(workP50),
    ratio_p99_to_work: r3(totalMs.p99 / workP50),
    gc,
    heap_growing_percent: heap,
    process_cpu_ms_per_frame: r3(processCpuMs / framesIn),
    cpu_outside_tflite_ms_per_frame: r3((processCpuMs - inferMs) / framesIn),
    ffmpeg_cpu_ms_per_frame: r3((ffmpegCpuS * 1000) / framesIn),
  };
}

/**
 * What a cascade costs the primary detector (issue 13): video/car-detection.mp4 read as fast as the pipeline takes
 * it (camera source, realtime: false, every frame inferred, no motion gating) through the COCO detector and the
 * tracker, without a cascade and with MobileNet v2 on the car crops at two budgets. Prints one JSON line per case:
 * the primary's frames per second and the second model's runs per second. Standalone (not in run.ts):
 *   npx tsc -p tsconfig.bench.json && EDGEPIPE_MODELS=../shared/models node dist-bench/bench/cascade.js
 */
import path from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { memoryLogger } from '../src/core/log.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { openSecondaryModel } from '../src/pipeline/secondary-model.js';
import { cropFrame } from '../src/cascade/crop.js';
import { callbackSink } from '../src/sinks/callback-sink.js';

export interface CascadeBenchResult {
  name: 'cascade';
  case: string;
  frames: number;
  seconds: number;
  /** Primary (detector) predictions per second. */
  primary_fps: number;
  /** Second-model runs per second, and in all. */
  secondary_per_s: number;
  secondary_runs: number;
  budget_skips: number;
}

function yaml(models: string, cascade: string): string {
  return `
version: 1
pipelines:
  - name: bench
    source: { kind: camera, input: ${path.join(models, 'video/car-detection.mp4')}, realtime: false, output: i420 }
    model: { file: ${path.join(models, 'coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')}, delegates: [xnnpack, cpu] }
    preprocess: { resize: fill }
    postprocess: { kind: detect-ssd, threshold: 0.2, max_detections: 10 }
    buffer: { policy: queue, size: 4 }
    track: { match: any, min_hits: 2, high_threshold: 0.3, new_track_threshold: 0.4 }
    sinks: [{ kind: file, path: /tmp/edgepipe-bench-cascade.jsonl }]
${cascade}`;
}

export async function cascadeBenchmark(models: string, label: string, cascade: string): Promise<CascadeBenchResult> {
  const config = parseConfig(path.join(process.cwd(), 'bench-cascade.yaml'), yaml(models, cascade));
  let frames = 0;
  const pipeline = new Pipeline(config.pipelines[0]!, { runtime: config.runtime, logger: memoryLogger(), extraSinks: (p) => [callbackSink(p, () => void (frames += 1))] });
  await pipeline.start();
  const start = performance.now();
  await pipeline.finished;
  const seconds = (performance.now() - start) / 1000;
  await pipeline.stop();
  const counters = pipeline.report().stages?.['cascade-imagenet'] ?? {};
  const runs = (counters['invocations'] ?? 0) + (counters['failed'] ?? 0);
  const round = (v: number) => Math.round(v * 10) / 10;
  return { name: 'cascade', case: label, frames, seconds: round(seconds), primary_fps: round(frames / seconds), secondary_per_s: round(runs / seconds), secondary_runs: runs, budget_skips: counters['budgetSkips'] ?? 0 };
}

export interface CropCostResult {
  name: 'cascade-crop';
  delegate: string;
  /** Per crop: copy out of a 640x480 i420 frame (process(), on the frame's turn), then preprocess + invoke + top-1 in the background; ms. */
  copy_ms_p50: number;
  classify_ms_p50: number;
  classify_ms_p90: number;
}

/** One crop's cost: the copy process() makes, and the second model's run on it (MobileNet v2 224 uint8). */
export async function cropCost(models: string, rounds = 40): Promise<CropCostResult> {
  const config = parseConfig(path.join(process.cwd(), 'bench-cascade.yaml'), yaml(models, ''));
  const model = await openSecondaryModel(
    { file: path.join(models, 'mobilenet_v2_1.0_224_quant.tflite'), labelOffset: 0, resize: 'fill', field: 'cascade[0]' },
    { pipeline: config.pipelines[0]!, runtime: config.runtime, logger: memoryLogger() },
  );
  const width = 640;
  const height = 480;
  const data = new Uint8Array(width * height * 3 / 2).map((_, i) => (i * 7) % 251);
  const payload = { kind: 'raw', format: 'i420', width, height, data } as const;
  const copies: number[] = [];
  const runs: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const t0 = performance.now();
    const crop = cropFrame(payload, { x: 200 + (i % 5), y: 150, width: 120, height: 90 }, 0.1)!;
    const t1 = performance.now();
    await model.classify(crop.image, crop.region);
    const t2 = performance.now();
    if (i >= 5) {
      copies.push(t1 - t0);
      runs.push(t2 - t1);
    }
  }
  model.close();
  const pct = (v: number[], p: number) => Math.round([...v].sort((a, b) => a - b)[Math.floor((v.length - 1) * p)]! * 100) / 100;
  return { name: 'cascade-crop', delegate: model.delegate, copy_ms_p50: pct(copies, 0.5), classify_ms_p50: pct(runs, 0.5), classify_ms_p90: pct(runs, 0.9) };
}

const entry = (budget: number, every: number) => `    cascade:
      - { name: imagenet, model: ${path.join(process.env['EDGEPIPE_MODELS'] ?? '', 'mobilenet_v2_1.0_224_quant.tflite')}, classes: [car, cell phone, suitcase], every_frames: ${every}, max_per_second: ${budget} }
`;

if (process.argv[1]?.endsWith('cascade.js')) {
  const models = process.env['EDGEPIPE_MODELS'];
  if (!models) throw new Error('set EDGEPIPE_MODELS to the folder with the COCO detector, MobileNet v2 and video/car-detection.mp4');
  process.stdout.write(`${JSON.stringify(await cropCost(models))}\n`);
  if (process.argv.includes('--crop-only')) process.exit(0);
  const cases: Array<[string, string]> = [
    ['no cascade', ''],
    ['cascade, every_frames 10, max_per_second 5', entry(5, 10)],
    ['cascade, every_frames 1, max_per_second 1000 (no budget)', entry(1000, 1)],
  ];
  for (const [label, cascade] of cases) process.stdout.write(`${JSON.stringify(await cascadeBenchmark(models, label, cascade))}\n`);
}

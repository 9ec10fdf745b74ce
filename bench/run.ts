/**
 * edgepipe's benchmarks. Prints one JSON object per line; docs/benchmarks.md records the figures measured.
 *   npm run bench [-- NAME ...]   names: event-loop-lag, c-comparison, async-overhead, pipeline (20,000 frames),
 *                                 pipeline-quick (without the memory run), camera (ffmpeg 640x480 RGB at 30 fps),
 *                                 mqtt-publish (mqtt sink + outbox against a local Mosquitto, ~2 minutes);
 *                                 mqtt-command-rtt (a command's round trip, with and without TCP_NODELAY);
 *                                 config-load (event-loop lag loading large and hostile config files);
 *                                 camera-latest (a 30 fps camera into a model at ~10 fps: freshness of
 *                                 `buffer: latest` and throughput; camera-latest-queue: the same with `queue`;
 *                                 camera-latest-third: the camera at 3x the detector's measured rate, >= 30 fps);
 *                                 tracking (Tracker.update per frame for crowds of 10 to 500 objects);
 *                                 motion (motion detection per 640x480 frame, and on video/car-detection.mp4);
 *                                 c-comparison-optimized (c-comparison on MobileNet v2 quant and the COCO SSD
 *                                 rewritten by edgepipe optimize, XNNPACK, 1 thread);
 *                                 live-view (pipeline throughput with 0, 1, 4 live viewers; capture-to-client delay);
 *                                 video-stages (where a frame's time goes on the shared videos, optimised detector);
 *                                 default: all
 * Real models come from ../shared/models; a benchmark whose model is absent is reported as skipped.
 * The pipeline and camera benchmarks run with edgepipe's heap setting (src/runtime/heap.ts, as `edgepipe run`);
 * EDGEPIPE_BENCH_HEAP=default measures V8's default instead.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { eventLoopLag } from './event-loop-lag.js';
import { asyncOverhead, cComparison, optimizedComparison } from './c-comparison.js';
import { cameraBenchmark } from './camera.js';
import { cameraLatestBenchmark } from './camera-latest.js';
import { configLoadBenchmark } from './config-load.js';
import { commandRoundTrip } from './mqtt-rtt.js';
import { motionBenchmarks } from './motion.js';
import { liveViewBenchmark } from './live-view.js';
import { pipelineBenchmarks } from './pipeline.js';
import { mqttBenchmarks } from './mqtt.js';
import { trackingBenchmark } from './tracking.js';
import { videoStagesBenchmark } from './video-stages.js';
import { packageRoot } from '../src/runtime/paths.js';

const root = packageRoot();
const models = path.resolve(root, '..', 'shared', 'models');
const model = (name: string): string => path.join(models, name);

const benchmarks: Record<string, () => Promise<unknown[]>> = {
  'event-loop-lag': async () => [await eventLoopLag(model('tf2_mobilenet_v2_1.0_224_ptq.tflite'))],
  'c-comparison': async () => [
    await cComparison(root, model('tf2_mobilenet_v2_1.0_224_ptq.tflite'), { threads: 1, delegate: 'xnnpack' }),
    await cComparison(root, model('tf2_mobilenet_v2_1.0_224_ptq.tflite'), { threads: 2, delegate: 'xnnpack' }),
  ],
  'c-comparison-optimized': async () => optimizedComparison(root, [
    model('mobilenet_v2_1.0_224_quant.tflite'),
    model('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite'),
  ]),
  'async-overhead': async () => [await asyncOverhead(root, model('hello_world_int8.tflite'))],
  'pipeline': async () => pipelineBenchmarks(models, ['throughput', 'latency', 'memory']),
  'pipeline-quick': async () => pipelineBenchmarks(models, ['throughput', 'latency']),
  'camera': async () => [await cameraBenchmark(models)],
  'camera-latest': async () => [await cameraLatestBenchmark(models, { policy: 'latest', seconds: 40 })],
  'camera-latest-third': async () => [await cameraLatestBenchmark(models, { policy: 'latest', seconds: 40, camera: 'third' })],
  'camera-latest-queue': async () => [await cameraLatestBenchmark(models, { policy: 'queue', seconds: 20 })],
  'mqtt-publish': async () => mqttBenchmarks(models),
  'mqtt-command-rtt': async () => commandRoundTrip(),
  'tracking': async () => trackingBenchmark(),
  'motion': async () => motionBenchmarks(models),
  'live-view': async () => [await liveViewBenchmark(models)],
  'video-stages': async () => videoStagesBenchmark(root, models),
  'config-load': async () => configLoadBenchmark(path.join(root, 'test', 'fixtures', 'config', 'models', 'placeholder.tflite')),
};

const selected = process.argv.slice(2);
for (const name of selected.length > 0 ? selected : Object.keys(benchmarks)) {
  const run = benchmarks[name];
  if (!run) {
    console.error(`unknown benchmark "${name}"; choose from ${Object.keys(benchmarks).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  if (!existsSync(models)) {
    console.log(JSON.stringify({ name, skipped: `${models} is absent` }));
    continue;
  }
  for (const result of await run()) console.log(JSON.stringify(result));
}

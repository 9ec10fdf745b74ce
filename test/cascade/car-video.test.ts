/**
 * The shipped example pipelines/cascade-cars.yaml on the real models and video: car-detection.mp4 (4 cars) read
 * once at its own pace through the camera source, motion gating, the COCO detector, the tracker, then
 * mobilenet_v2_1.0_224_quant on crops of the cars (XNNPACK refuses that uint8 model: the second model's delegate
 * chain falls back to the CPU kernels). Every car's track gets a classifier result, on its tracks and in its
 * track_end, within the budget; the figures are logged.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeTurnsWithRealtimeVideoTests } from '../helpers/realtime-slot.js';
import { parseConfig } from '../../src/config/load.js';
import type { TrackEndEvent, TrackEvent } from '../../src/core/events.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { hasSharedModels, projectRoot, sharedModelsDir } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';

const example = path.join(projectRoot, 'pipelines', 'cascade-cars.yaml');

if (!hasSharedModels) console.warn(`cascade car-video test skipped: ${sharedModelsDir} (the shared models and videos) is absent`);

describe.skipIf(!hasSharedModels || !runFfmpegTests)('pipelines/cascade-cars.yaml on car-detection.mp4 (COCO detector, then MobileNet on car crops)', () => {
  takeTurnsWithRealtimeVideoTests();

  it('every car track carries a classifier result within the budget of 4 crops a second', async () => {
    const config = parseConfig(example, readFileSync(example, 'utf8'), { env: { ...process.env, EDGEPIPE_MODELS: sharedModelsDir } });
    const configured = config.pipelines[0]!;
    // Once through the video (the example loops), and into the test's sink instead of the example's file.
    const spec = { ...configured, source: { ...configured.source, loop: false } as typeof configured.source, sinks: [] };
    const predictions: Prediction[] = [];
    const events: TrackEvent[] = [];
    const logger = memoryLogger();
    const pipeline = new Pipeline(spec, {
      runtime: config.runtime,
      logger,
      extraSinks: (p) => [{ ...callbackSink(p, (x) => predictions.push(x)), event: (e: TrackEvent) => void events.push(e) }],
    });
    const started = performance.now();
    await pipeline.start();
    try {
      await pipeline.finished;
    } finally {
      await pipeline.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const report = pipeline.report();
    const counters = report.stages!['cascade-imagenet']!;
    const ends = events.filter((e): e is TrackEndEvent => e.type === 'track_end');
    console.log(
      `cascade-cars: ${seconds.toFixed(1)} s, frames in ${report.framesIn}, inferred ${predictions.length}, cascade ${JSON.stringify(counters)}; ` +
        `tracks: ${ends.map((e) => `#${e.trackId} ${e.label} -> ${e.secondary?.['imagenet']?.label ?? 'none'} ${e.secondary?.['imagenet']?.score.toFixed(2) ?? ''}`).join(', ')}`,
    );
    // The cars' tracks (labelled car, cell phone or suitcase) each have a result from the ImageNet labels; tracks of
    // other classes (COCO sees an "airplane" or a "bird" now and then) are not cropped.
    const classes = configured.cascade![0]!.classes;
    const cars = ends.filter((e) => classes.includes(e.label));
    expect(cars.length).toBeGreaterThanOrEqual(4);
    for (const end of ends) {
      const result = end.secondary?.['imagenet'];
      if (!classes.includes(end.label)) continue;
      expect(result, `track ${end.trackId}`).toBeDefined();
      expect(result!.label).toMatch(/\S/);
      expect(result!.score).toBeGreaterThanOrEqual(0.1);
    }
    const neverCropped = ends.filter((e) => !predictions.some((p) => p.analytics?.tracks?.some((t) => t.track_id === e.trackId && classes.includes(t.label ?? ''))));
    expect(neverCropped.map((e) => e.secondary)).toEqual(neverCropped.map(() => undefined));
    // Tracks in the predictions carry it too, once the first crop is done.
    const carried = predictions.flatMap((p) => p.analytics?.tracks ?? []).filter((t) => t.secondary?.['imagenet'] !== undefined);
    expect(new Set(carried.map((t) => t.track_id)).size).toBeGreaterThanOrEqual(cars.length);
    // The budget: a full bucket of 4, then 4 a second.
    expect(counters['invocations']! + counters['failed']!).toBeLessThanOrEqual(4 + 4 * seconds);
    expect(counters['failed']).toBe(0);
    expect(report.drops['stage_error'] ?? 0).toBe(0);
    // XNNPACK refuses the uint8 MobileNet (README): the second model runs on the CPU kernels, the pipeline goes on.
    expect(logger.entries.filter((e) => e.level === 'error')).toEqual([]);
  }, 180_000);
});

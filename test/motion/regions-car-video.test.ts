/**
 * `detect_on: regions` on a real scene: video/car-detection.mp4 (768x432, top-down road) through the COCO SSD
 * detector (300x300 input), every frame in order (`realtime: false`, a deep queue), once with the whole frame and
 * once with crops. Motion is found the same way in both runs, so the same frames are inferred: per frame, the best
 * score of a vehicle-like class (the detector calls cars seen from above "cell phone" or "suitcase") is compared.
 * Skips, saying so, without ../shared/models or ffmpeg. The tracks with regions: test/stages/car-video.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/core/frame.js';
import { takeTurnsWithRealtimeVideoTests } from '../helpers/realtime-slot.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { runYaml } from '../stages/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-regions-car-'));
const VEHICLES = new Set(['car', 'truck', 'bus', 'cell phone', 'suitcase', 'boat', 'bottle', 'cup', 'parking meter']);
const THRESHOLD = 0.4;

const yaml = (detectOn: 'frame' | 'regions') => `
version: 1
pipelines:
  - name: road
    source: { kind: camera, input: ${sharedModel('video/car-detection.mp4')}, realtime: false, output: i420 }
    model: { file: ${sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-ssd, threshold: 0.2, max_detections: 10 }
    buffer: { policy: queue, size: 512 }
    motion: { min_area: 0.003, keepalive_s: 0, detect_on: ${detectOn} }
    sinks: [{ kind: file, path: ${path.join(dir, `${detectOn}.jsonl`)} }]
`;

/** Best vehicle-like score per frame id. */
function best(predictions: readonly Prediction[]): Map<number, number> {
  return new Map(predictions.map((p) => [p.frameId, p.result.kind === 'detect' ? Math.max(0, ...p.result.objects.filter((o) => VEHICLES.has(o.label ?? '')).map((o) => o.score)) : 0]));
}

describe.skipIf(!hasSharedModels || !runFfmpegTests)('car-detection.mp4: detect_on regions against the whole frame (COCO SSD)', () => {
  // Not real time, but two detector runs flat out: they would starve the real-time video tests, so it takes turns.
  takeTurnsWithRealtimeVideoTests();
  it('finds the cars on at least as many frames, with a higher mean best score', async () => {
    const whole = await runYaml(path.join(dir, 'frame.yaml'), yaml('frame'));
    const regions = await runYaml(path.join(dir, 'regions.yaml'), yaml('regions'));
    const a = best(whole.predictions);
    const b = best(regions.predictions);
    expect([...b.keys()]).toEqual([...a.keys()]);
    const ids = [...a.keys()];
    const found = (m: Map<number, number>) => ids.filter((id) => m.get(id)! >= THRESHOLD).length;
    const mean = (m: Map<number, number>) => ids.reduce((s, id) => s + m.get(id)!, 0) / ids.length;
    const onlyRegions = ids.filter((id) => b.get(id)! >= THRESHOLD && a.get(id)! < THRESHOLD).length;
    const onlyWhole = ids.filter((id) => a.get(id)! >= THRESHOLD && b.get(id)! < THRESHOLD).length;
    const motion = regions.pipeline.report().stages?.['motion'] ?? {};
    const infer = (ps: readonly Prediction[]) => ps.reduce((s, p) => s + p.latencyMs.infer, 0) / ps.length;
    console.log(
      `car-detection.mp4, ${ids.length} frames inferred: vehicle >= ${THRESHOLD} on ${found(a)} frames whole, ${found(b)} with regions ` +
        `(${onlyRegions} only with regions, ${onlyWhole} only whole); mean best score ${mean(a).toFixed(3)} whole, ${mean(b).toFixed(3)} regions; ` +
        `motion ${JSON.stringify(motion)}; infer ms/frame ${infer(whole.predictions).toFixed(1)} whole, ${infer(regions.predictions).toFixed(1)} regions`,
    );
    expect(found(b)).toBeGreaterThanOrEqual(found(a));
    expect(mean(b)).toBeGreaterThan(mean(a));
  }, 600_000);
});

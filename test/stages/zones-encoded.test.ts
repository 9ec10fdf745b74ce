/**
 * Fraction zones and fraction track masks on encoded frames (an images source: PNG files, decoded only by the
 * preprocessor): the prediction carries the frame size from preprocessing, so fractions resolve without a second
 * decode. Real TFLite: the YOLO-layout stand-in reports two fixed boxes whatever the image.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-stages-encoded-'));
const FRAMES = 6;

describe('fraction zones and masks on encoded frames', () => {
  it('an images source: the track enters the fraction zone and the pixel zone around it; the box under the fraction mask is never tracked', async () => {
    // Box 1: centre (0.5, 0.5), bottom centre (0.5, 0.75). Box 2: small, bottom centre (0.15, 0.25), under the mask.
    const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [
      { cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 0, score: 0.9 },
      { cx: 0.15, cy: 0.2, w: 0.1, h: 0.1, classIndex: 0, score: 0.9 },
    ]);
    const frames = path.join(dir, 'frames');
    mkdirSync(frames);
    for (let i = 0; i < FRAMES; i++) {
      await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 40 * i, g: 80, b: 120 } } }).png().toFile(path.join(frames, `f${i}.png`));
    }
    const yaml = `
version: 1
pipelines:
  - name: hall
    source: { kind: images, path: ${frames} }
    model: { file: ${model} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    track: { min_hits: 3, masks: [ { points: [[0, 0], [0.3, 0], [0.3, 0.4], [0, 0.4]], units: fraction } ] }
    zones:
      - { name: door, points: [[0.25, 0.5], [0.75, 0.5], [0.75, 1], [0.25, 1]], units: fraction, min_time_s: 0 }
      - { name: mat, points: [[80, 60], [120, 60], [120, 90], [80, 90]], min_time_s: 0 }
`;
    const { pipeline, predictions, events } = await runYaml(path.join(dir, 'hall.yaml'), yaml);
    expect(predictions).toHaveLength(FRAMES);
    expect(predictions[0]!.frameSize).toEqual({ width: 200, height: 100 });
    expect(pipeline.peek().drops['stage_error'] ?? 0).toBe(0);
    // Only box 1 is tracked: box 2 is under the mask.
    expect(new Set(predictions.flatMap((p) => (p.analytics?.tracks ?? []).map((t) => t.box.x)))).toEqual(new Set([75]));
    expect(pipeline.report().stages?.['tracking']).toMatchObject({ started: 1, droppedMask: FRAMES });
    const zoneEvents = events.filter((e) => e.type === 'zone_enter' || e.type === 'zone_leave');
    expect(zoneEvents.map((e) => [e.type, 'zone' in e ? e.zone : '', e.trackId])).toEqual([
      ['zone_enter', 'door', 1],
      ['zone_enter', 'mat', 1],
      ['zone_leave', 'door', 1],
      ['zone_leave', 'mat', 1],
    ]);
    expect(zoneEvents[0]!.frameId).toBe(predictions[2]!.frameId);
  });
});

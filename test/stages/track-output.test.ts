/**
 * track.output: a prediction's result keeps every detection (`beside`, the default) or holds only the tracked
 * objects seen in the frame (`replace`); `tracks` lists them either way. Real TFLite: the YOLO-layout stand-in
 * reports two fixed boxes, one of them under a track mask.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-track-output-'));
const FRAMES = 4;

async function run(output: string): Promise<Array<{ objects: number[]; tracks: number[] }>> {
  const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [
    { cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 0, score: 0.9 },
    { cx: 0.15, cy: 0.2, w: 0.1, h: 0.1, classIndex: 0, score: 0.9 },
  ]);
  const frames = path.join(dir, 'frames');
  mkdirSync(frames, { recursive: true });
  for (let i = 0; i < FRAMES; i++) await sharp({ create: { width: 200, height: 100, channels: 3, background: '#336699' } }).png().toFile(path.join(frames, `f${i}.png`));
  const yaml = `
version: 1
pipelines:
  - name: hall
    source: { kind: images, path: ${frames} }
    model: { file: ${model} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    track: { min_hits: 3, output: ${output}, masks: [ { points: [[0, 0], [0.3, 0], [0.3, 0.4], [0, 0.4]], units: fraction } ] }
`;
  const { predictions } = await runYaml(path.join(dir, `${output}.yaml`), yaml);
  return predictions.map((p) => ({
    objects: p.result.kind === 'detect' ? p.result.objects.map((o) => Math.round(o.box.x)) : [],
    tracks: (p.analytics?.tracks ?? []).map((t) => t.track_id),
  }));
}

describe('track.output', () => {
  it('beside: every detection stays in the result', async () => {
    expect(await run('beside')).toEqual([
      { objects: [75, 20], tracks: [] },
      { objects: [75, 20], tracks: [] },
      { objects: [75, 20], tracks: [1] },
      { objects: [75, 20], tracks: [1] },
    ]);
  });

  it('replace: only the tracked object, once confirmed; the masked detection and the unconfirmed frames have none', async () => {
    expect(await run('replace')).toEqual([
      { objects: [], tracks: [] },
      { objects: [], tracks: [] },
      { objects: [75], tracks: [1] },
      { objects: [75], tracks: [1] },
    ]);
  });
});

/**
 * Zones wired after tracking (src/stages/index.ts), without shared files: ffmpeg renders a moving scene read by
 * the camera source as raw frames; the detector is the YOLO-layout stand-in (real TFLite, one fixed person box
 * whatever the image), so the track stands in a zone drawn around it and never in one drawn elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';
import { runYaml } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-stages-zones-'));
const FRAMES = 20;

describe.skipIf(!runFfmpegTests)('zones stage in a pipeline (lavfi scene)', () => {
  it('the track enters the zone around it (fractions of the raw frame), never the other one; it leaves when the tracks end at stop', async () => {
    const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [{ cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 0, score: 0.9 }]);
    const video = path.join(dir, 'moving.mp4');
    const ffmpeg = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-frames:v', String(FRAMES), '-pix_fmt', 'yuv420p', video]);
    expect(ffmpeg.status, ffmpeg.stderr.toString()).toBe(0);
    // The box's bottom centre (the default anchor) is at (0.5, 0.75) of the frame.
    const yaml = `
version: 1
pipelines:
  - name: hall
    source: { kind: camera, input: ${video}, realtime: false, output: i420 }
    model: { file: ${model} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    track: { min_hits: 3 }
    zones:
      - { name: door, points: [[0.25, 0.5], [0.75, 0.5], [0.75, 1], [0.25, 1]], units: fraction, min_time_s: 0 }
      - { name: yard, points: [[0, 0], [0.2, 0], [0.2, 0.2]], units: fraction, min_time_s: 0 }
`;
    const { pipeline, predictions, events } = await runYaml(path.join(dir, 'hall.yaml'), yaml);
    expect(predictions).toHaveLength(FRAMES);
    const zoneEvents = events.filter((e) => e.type === 'zone_enter' || e.type === 'zone_leave');
    expect(zoneEvents.map((e) => [e.type, 'zone' in e ? e.zone : '', e.trackId])).toEqual([
      ['zone_enter', 'door', 1],
      ['zone_leave', 'door', 1],
    ]);
    // Entered on the frame the track was confirmed (min_hits 3, min_time_s 0); left because the track ended.
    expect(zoneEvents[0]!.frameId).toBe(predictions[2]!.frameId);
    expect(zoneEvents[1]).toMatchObject({ reason: 'track_ended' });
    expect(pipeline.report().stages?.['zones']).toMatchObject({ zoneEnter: 1, zoneLeave: 1, loitering: 0, lineCross: 0 });
  });
});

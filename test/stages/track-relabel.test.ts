/**
 * A merge group with a name (`merge_classes: [{ as: car, classes: [car, "cell phone", suitcase] }]`, issue 13): a
 * car the detector calls "cell phone" from above is reported as a car in the prediction's tracks, the track and
 * zone events and the zone counts, with what the detector saw in `detected_label`. Real TFLite: the YOLO-layout
 * stand-in reports one fixed "cell phone" box on every frame.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { predictionPayload } from '../../src/sinks/mqtt/envelope.js';
import { trackEventPayload } from '../../src/sinks/mqtt/messages.js';
import { schemaErrors } from '../sinks/mqtt-fixtures.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { runYaml, type Run } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-track-relabel-'));

async function run(group: string): Promise<Run> {
  const model = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [{ cx: 0.5, cy: 0.5, w: 0.25, h: 0.5, classIndex: 1, score: 0.9 }]);
  const labels = path.join(dir, 'labels.txt');
  writeFileSync(labels, 'car\ncell phone\nsuitcase\n');
  const frames = path.join(dir, 'frames');
  mkdirSync(frames, { recursive: true });
  for (let i = 0; i < 4; i++) await sharp({ create: { width: 200, height: 100, channels: 3, background: '#555555' } }).png().toFile(path.join(frames, `f${i}.png`));
  return runYaml(path.join(dir, 'lot.yaml'), `
version: 1
pipelines:
  - name: lot
    source: { kind: images, path: ${frames} }
    model: { file: ${model}, labels: ${labels} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 8 }
    track: { min_hits: 2, merge_classes: [${group}] }
    zones: [ { name: bay, points: [[0, 0], [1, 0], [1, 1], [0, 1]], units: fraction, min_time_s: 0, classes: [car] } ]
`);
}

describe('a named merge group', () => {
  it('reports its tracks under the name: tracks, track and zone events, zone counts; the detector\'s label in detected_label', async () => {
    const { predictions, events, counts } = await run('{ as: car, classes: [car, "cell phone", suitcase] }');
    const last = predictions.at(-1)!;
    expect(last.analytics?.tracks).toMatchObject([{ track_id: 1, index: 1, label: 'car', detected_label: 'cell phone' }]);
    // At stop, the zones and the tracker each end what is alive: in the order the stages stop.
    expect(events.map((e) => [e.type, e.label, e.detectedLabel]).sort()).toEqual([
      ['track_end', 'car', 'cell phone'],
      ['track_start', 'car', 'cell phone'],
      ['zone_enter', 'car', undefined],
      ['zone_leave', 'car', undefined],
    ]);
    expect(counts.some((c) => c.zones['bay']?.['car']?.count === 1)).toBe(true);
    expect(counts.every((c) => c.zones['bay']?.['cell phone'] === undefined)).toBe(true);
    // What MQTT and the files carry validates against the published schemas.
    const start = trackEventPayload(events[0]!, 1, 'gate-3');
    expect(JSON.parse(start)).toMatchObject({ type: 'track_start', label: 'car', detected_label: 'cell phone' });
    expect(schemaErrors('track-event', start)).toEqual([]);
    const prediction = predictionPayload(last, 1, 'gate-3');
    expect(JSON.parse(prediction)).toMatchObject({ tracks: [{ label: 'car', detected_label: 'cell phone' }] });
    expect(schemaErrors('prediction', prediction)).toEqual([]);
  });

  it('as a plain list, reports what the detector saw most often, as before', async () => {
    const { predictions, events } = await run('[car, "cell phone", suitcase]');
    const track = predictions.at(-1)!.analytics?.tracks?.[0];
    expect(track).toMatchObject({ label: 'cell phone' });
    expect(track).not.toHaveProperty('detected_label');
    expect(events.filter((e) => e.type === 'track_start').map((e) => [e.label, e.detectedLabel])).toEqual([['cell phone', undefined]]);
  });
});

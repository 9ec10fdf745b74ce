/**
 * The decoder resizes to the model's size (src/preprocess/decoder-resize.ts) on a real video through the real COCO
 * detector: video/people-walk.mp4 at 2.5 frames/s (180 frames), read as fast as the pipeline takes it, once with
 * full frames resized by sharp (`decoder_resize: false`) and once resized by ffmpeg. Results must stay in the full
 * frame's coordinates (768x432), agree with the full-frame run frame by frame, and meet what
 * test/tracking/people-walk.test.ts expects of the detections: 3 person tracks from entry to exit, and the "tv".
 */
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { parseConfig } from '../../src/config/load.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import type { DetectedObject } from '../../src/postprocess/types.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { ObjectFilters } from '../../src/tracking/filters.js';
import { Tracker } from '../../src/tracking/tracker.js';
import type { TrackEvent } from '../../src/tracking/types.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { runFfmpegTests } from '../sources/camera-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-decoder-resize-'));

async function detect(decoderResize: boolean): Promise<{ predictions: Prediction[]; log: string[] }> {
  const yaml = `
version: 1
pipelines:
  - name: hall
    source: { kind: camera, input: ${sharedModel('video/people-walk.mp4')}, fps: 2.5, decoder_resize: ${decoderResize} }
    model: { file: ${sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite')} }
    preprocess: { resize: fill }
    postprocess: { kind: detect-ssd, threshold: 0.1, max_detections: 10 }
    buffer: { policy: queue, size: 4 }
`;
  const config = parseConfig(path.join(dir, 'hall.yaml'), yaml);
  const predictions: Prediction[] = [];
  const logger = memoryLogger();
  // No stdout sink: 180 predictions a run would only fill the test's log.
  const pipeline = new Pipeline({ ...config.pipelines[0]!, sinks: [] }, { runtime: config.runtime, logger, extraSinks: (p) => [callbackSink(p, (x) => predictions.push(x))] });
  await pipeline.start();
  try {
    await pipeline.finished;
  } finally {
    await pipeline.stop();
  }
  return { predictions, log: logger.entries.map((e) => e.message) };
}

function objects(p: Prediction): DetectedObject[] {
  if (p.result.kind !== 'detect') throw new Error(`expected detections, got ${p.result.kind}`);
  return p.result.objects;
}

function iou(a: DetectedObject['box'], b: DetectedObject['box']): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

const wall0 = Date.UTC(2026, 11, 7);
function personTracks(predictions: readonly Prediction[], classes: string[], lenient: boolean): TrackEvent['track'][] {
  const filters = new ObjectFilters({ classes, filters: [], masks: [] });
  const tracker = new Tracker(lenient ? { newTrackThreshold: 0.45, highThreshold: 0.45 } : {});
  const events: TrackEvent[] = [];
  predictions.forEach((p, index) => {
    const ms = index * 400;
    events.push(...tracker.update({ frameId: index, monoMs: ms, wallMs: wall0 + ms, objects: filters.apply(objects(p), { width: 768, height: 432 }).kept }).events);
  });
  events.push(...tracker.finish());
  return events.filter((e) => e.kind === 'end').map((e) => e.track).sort((a, b) => a.id - b.id);
}

describe.skipIf(!hasSharedModels || !runFfmpegTests)('people-walk.mp4 resized by the decoder', () => {
  it('keeps full-frame coordinates, agrees with full frames resized by sharp, and gives the 3 person tracks', async () => {
    const full = await detect(false);
    const scaled = await detect(true);
    expect(full.log.some((line) => line.includes('the decoder resizes'))).toBe(false);
    expect(scaled.log).toContain('pipeline hall: the decoder resizes frames to 300x300');
    expect(scaled.predictions.length).toBe(full.predictions.length);
    expect(scaled.predictions.length).toBeGreaterThanOrEqual(178);

    for (const p of scaled.predictions) {
      expect(p.frameSize).toEqual({ width: 768, height: 432 });
      for (const o of objects(p)) {
        expect(o.box.x + o.box.width).toBeLessThanOrEqual(768.5);
        expect(o.box.y + o.box.height).toBeLessThanOrEqual(432.5);
      }
    }

    // Every confident detection of the full-frame run is found in the same frame, same class, at IoU >= 0.7.
    let confident = 0;
    let matched = 0;
    let ious: number[] = [];
    full.predictions.forEach((p, i) => {
      for (const o of objects(p).filter((x) => x.score >= 0.5)) {
        confident += 1;
        const best = Math.max(0, ...objects(scaled.predictions[i]!).filter((x) => x.index === o.index).map((x) => iou(x.box, o.box)));
        ious.push(best);
        if (best >= 0.7) matched += 1;
      }
    });
    ious = ious.sort((a, b) => a - b);
    console.log(`decoder resize vs sharp: ${matched} of ${confident} confident detections matched (IoU >= 0.7), IoU p10 ${ious[Math.floor(ious.length / 10)]?.toFixed(3)}, median ${ious[ious.length >> 1]?.toFixed(3)}`);
    expect(confident).toBeGreaterThan(100);
    expect(matched / confident).toBeGreaterThanOrEqual(0.95);

    // What test/tracking/people-walk.test.ts asks of the detections.
    const people = personTracks(scaled.predictions, ['person'], false);
    console.log(`decoder resize, person tracks: ${people.map((t) => `${((t.firstSeenMs - wall0) / 1000).toFixed(1)}-${((t.lastSeenMs - wall0) / 1000).toFixed(1)} s`).join(', ')}`);
    expect(people.map((t) => t.label)).toEqual(['person', 'person', 'person']);
    [[6, 19], [23, 44], [50, 69]].forEach(([enter, leave], i) => {
      const t = people[i]!;
      expect(Math.abs((t.firstSeenMs - wall0) / 1000 - enter!)).toBeLessThan(2);
      expect(Math.abs((t.lastSeenMs - wall0) / 1000 - leave!)).toBeLessThan(2);
    });
    expect(personTracks(scaled.predictions, [], true).map((t) => t.label).sort()).toEqual(['person', 'person', 'person', 'tv']);
  }, 600_000);
});

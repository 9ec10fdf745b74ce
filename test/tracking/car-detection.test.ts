/**
 * The merge before the tracker on a real video through the real COCO detector, every frame (no motion gating):
 * video/car-detection.mp4 (4 cars seen from above, README of ../shared/models: about 0:05-0:08, two at once
 * 0:15-0:18, 0:25-0:27). The detector reports each car as two or three overlapping boxes of different classes
 * ("cell phone", "suitcase", "car", "boat" near the edges...), its NMS being per class. Expected: exactly 4 tracks
 * with `merge_classes`, more without (each extra box starts its own track). The gated pipeline run is
 * test/stages/car-video.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ObjectFilters } from '../../src/tracking/filters.js';
import { DetectionMerger, type MergeOptions } from '../../src/tracking/merge.js';
import { Tracker } from '../../src/tracking/tracker.js';
import type { TrackEvent, TrackerOptions } from '../../src/tracking/types.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { videoDetections, type VideoFrameDetections } from './video-detections.js';

const wall0 = Date.UTC(2026, 11, 7);
const cars = ['car', 'truck', 'bus', 'cell phone', 'suitcase', 'boat', 'bottle', 'cup', 'parking meter'];
// As the pipeline of test/stages/car-video.test.ts sets them (track: classes, filters max_area, min_hits...).
const filterOptions = { classes: cars, filters: [{ maxArea: 100_000 }], masks: [] };
const trackerOptions: Partial<TrackerOptions> = { minHits: 2, highThreshold: 0.3, newTrackThreshold: 0.4 };

function track(frames: readonly VideoFrameDetections[], merge: MergeOptions | undefined, options: Partial<TrackerOptions>): TrackEvent['track'][] {
  const filters = new ObjectFilters(filterOptions);
  const merger = merge && new DetectionMerger(merge);
  const tracker = new Tracker({ ...trackerOptions, ...options });
  const events: TrackEvent[] = [];
  for (const f of frames) {
    const kept = filters.apply(f.objects, { width: 768, height: 432 }).kept;
    events.push(...tracker.update({ frameId: f.index, monoMs: f.ms, wallMs: wall0 + f.ms, objects: merger ? merger.apply(kept).kept : kept }).events);
  }
  events.push(...tracker.finish());
  return events.filter((e) => e.kind === 'end').map((e) => e.track).sort((a, b) => a.firstSeenMs - b.firstSeenMs);
}

const describeTrack = (t: TrackEvent['track']) => `#${t.id} ${t.label} ${((t.firstSeenMs - wall0) / 1000).toFixed(1)}-${((t.lastSeenMs - wall0) / 1000).toFixed(1)} s`;

describe.skipIf(!hasSharedModels)('tracking car-detection.mp4 through the COCO detector, every frame', () => {
  it('makes exactly one track per car once overlapping boxes of the car-like classes are merged', async () => {
    const frames: VideoFrameDetections[] = [];
    for await (const frame of videoDetections({
      video: sharedModel('video/car-detection.mp4'),
      model: sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite'),
      width: 768,
      height: 432,
      fps: 12.5,
      threshold: 0.2,
    })) frames.push(frame);
    expect(frames.length).toBeGreaterThanOrEqual(375);

    const unmerged = track(frames, undefined, { match: 'any' });
    console.log(`car-detection, no merge, match any: ${unmerged.length} tracks: ${unmerged.map(describeTrack).join(', ')}`);
    expect(unmerged.length).toBeGreaterThan(4);

    for (const merge of [
      { groups: [cars], minOverlap: 0.6, overlap: 'smaller' as const },
      { groups: [cars], minOverlap: 0.3, overlap: 'iou' as const },
    ]) {
      const merged = track(frames, merge, { match: 'class', classGroups: [cars] });
      const text = merged.map(describeTrack).join(', ');
      console.log(`car-detection, merge ${merge.overlap} ${merge.minOverlap}: ${merged.length} tracks: ${text}`);
      expect(merged, text).toHaveLength(4);
      // Each within a second or two of the README's "about" windows, the middle two at once.
      const windows = [[5, 8], [15, 18], [15, 18], [25, 27]];
      merged.forEach((t, i) => {
        const [from, to] = windows[i]!;
        const first = (t.firstSeenMs - wall0) / 1000;
        const last = (t.lastSeenMs - wall0) / 1000;
        expect(first > from! - 2 && first < from! + 1 && last > to! - 1 && last < to! + 2, text).toBe(true);
      });
    }
  }, 600_000);
});

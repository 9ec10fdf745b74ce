/**
 * The tracker on a real video through the real COCO detector: video/people-walk.mp4 (3 people, one at a time,
 * walk in, stand by a table, walk out; a dark window the detector calls a "tv" the whole time). Expected: exactly
 * 3 person tracks, each from entry to exit (README of ../shared/models: about 0:06-0:19, 0:23-0:44, 0:50-1:09),
 * and no "tv" track once it is masked (within 2 s: the times are "about", frames 0.4 s apart). The detector runs once, at 2.5 frames per second (a quarter of the video's
 * 10 fps, as motion gating would leave), and the tracker runs on its detections under three configurations.
 */
import { describe, expect, it } from 'vitest';
import type { TrackEvent, TrackerOptions } from '../../src/tracking/types.js';
import { ObjectFilters, type ObjectFilterOptions } from '../../src/tracking/filters.js';
import { Tracker } from '../../src/tracking/tracker.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { GreedyIouTracker } from './greedy-iou-tracker.js';
import { videoDetections, type VideoFrameDetections } from './video-detections.js';

const wall0 = Date.UTC(2026, 11, 7);
// The dark window at the top left (the detector's "tv" box is about x 0-117, y 0-186).
const windowMask = { points: [{ x: 0, y: 0 }, { x: 140, y: 0 }, { x: 140, y: 210 }, { x: 0, y: 210 }], units: 'pixels' as const, classes: [], anchor: 'bottom_centre' as const };

function track(frames: readonly VideoFrameDetections[], filters: ObjectFilterOptions, options: Partial<TrackerOptions>): TrackEvent[] {
  const filter = new ObjectFilters(filters);
  const tracker = new Tracker(options);
  const events: TrackEvent[] = [];
  for (const f of frames) {
    const objects = filter.apply(f.objects, { width: 768, height: 432 }).kept;
    events.push(...tracker.update({ frameId: f.index, monoMs: f.ms, wallMs: wall0 + f.ms, objects }).events);
  }
  events.push(...tracker.finish());
  return events;
}

const ends = (events: readonly TrackEvent[]) => events.filter((e) => e.kind === 'end').map((e) => e.track).sort((a, b) => a.id - b.id);
const describeTrack = (t: TrackEvent['track']) => `#${t.id} ${t.label} ${((t.firstSeenMs - wall0) / 1000).toFixed(1)}-${((t.lastSeenMs - wall0) / 1000).toFixed(1)} s`;

describe.skipIf(!hasSharedModels)('tracking people-walk.mp4 through the COCO detector', () => {
  it('finds exactly 3 person tracks from entry to exit, and none for the masked "tv"', async () => {
    const frames: VideoFrameDetections[] = [];
    const started = Date.now();
    for await (const frame of videoDetections({
      video: sharedModel('video/people-walk.mp4'),
      model: sharedModel('coco_ssd_mobilenet_v1_1.0_quant_2018_06_29.tflite'),
      width: 768,
      height: 432,
      fps: 2.5,
      threshold: 0.1,
    })) frames.push(frame);
    console.log(`people-walk: ${frames.length} frames detected in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(frames.length).toBeGreaterThanOrEqual(178);

    const people = ends(track(frames, { classes: ['person'], filters: [], masks: [] }, {}));
    console.log(`people-walk, classes [person]: ${people.map(describeTrack).join(', ')}`);
    expect(people.map((t) => t.label)).toEqual(['person', 'person', 'person']);
    const windows = [[6, 19], [23, 44], [50, 69]];
    people.forEach((t, i) => {
      const [enter, leave] = windows[i]!;
      expect((t.firstSeenMs - wall0) / 1000, describeTrack(t)).toBeGreaterThan(enter! - 2);
      expect((t.firstSeenMs - wall0) / 1000, describeTrack(t)).toBeLessThan(enter! + 2);
      expect((t.lastSeenMs - wall0) / 1000, describeTrack(t)).toBeGreaterThan(leave! - 2);
      expect((t.lastSeenMs - wall0) / 1000, describeTrack(t)).toBeLessThan(leave! + 2);
    });

    // Every class, with a start threshold low enough for the "tv" (it scores about 0.5): it becomes a track...
    const lenient = { newTrackThreshold: 0.45, highThreshold: 0.45 };
    const unmasked = ends(track(frames, { classes: [], filters: [], masks: [] }, lenient));
    expect(unmasked.map((t) => t.label).sort()).toEqual(['person', 'person', 'person', 'tv']);
    // ...and the mask over the window removes it, leaving the people alone.
    const masked = ends(track(frames, { classes: [], filters: [], masks: [windowMask] }, lenient));
    console.log(`people-walk, every class, window masked: ${masked.map(describeTrack).join(', ')}`);
    expect(masked.map((t) => t.label)).toEqual(['person', 'person', 'person']);

    const baseline = new GreedyIouTracker({ threshold: 0.5, minIou: 0.3, maxAgeMs: 2000 });
    const baselineIds = new Set<number>();
    for (const f of frames) for (const t of baseline.update(f.ms, f.objects.filter((o) => o.label === 'person'))) baselineIds.add(t.id);
    console.log(`people-walk, greedy IoU baseline on persons: ${baselineIds.size} tracks`);
  }, 900_000);
});

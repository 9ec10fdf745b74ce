/**
 * The cascade stage driven frame by frame, with the demo's colour classifier as the real second model (TFLite,
 * CPU kernels): the right colour on each track from rgb24 and I420 frames, and when crops run (every_frames,
 * regrow, budget, queue bound), counted by the stage's counters.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCascadeStage, type CascadeStage } from '../../src/cascade/index.js';
import type { TrackEndEvent } from '../../src/core/events.js';
import { writeColourModel } from '../helpers/image-models.js';
import { BLUE, GREEN, RED, cascadeConfig, frame, prediction, rgbFrame, stageContext, toI420, track } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-cascade-'));
const colourModel = writeColourModel(dir);

const redBox = { x: 10, y: 20, width: 30, height: 20 };
const blueBox = { x: 90, y: 50, width: 40, height: 40 };
const scene = rgbFrame(160, 120, [{ box: redBox, colour: RED }, { box: blueBox, colour: BLUE }]);

const started: CascadeStage[] = [];
async function start(stage: CascadeStage): Promise<CascadeStage> {
  await stage.start!(stageContext());
  started.push(stage);
  return stage;
}
afterEach(async () => {
  for (const stage of started.splice(0)) await stage.stop!();
});

/** Runs `frames` predictions of `tracksAt(i)` through the stage, waiting for its queue after each. */
async function drive(stage: CascadeStage, frames: number, tracksAt: (i: number) => ReturnType<typeof track>[], monoMs = (i: number) => i * 100) {
  let last;
  for (let i = 0; i < frames; i += 1) {
    last = stage.process!(prediction(i, tracksAt(i)), frame(i, scene, monoMs(i)));
    await stage.idle();
  }
  return last!;
}

describe('cascade stage', () => {
  it('puts the colour of each tracked object on its track from the next prediction on, from rgb24 and from I420 frames', async () => {
    for (const payload of [scene, toI420(scene)]) {
      const stage = await start(createCascadeStage(cascadeConfig(colourModel, { name: 'colour', classes: ['car', 'person'] }), 0));
      const tracks = [track(1, redBox), track(2, blueBox, { index: 0, label: 'person' }), track(3, { x: 60, y: 0, width: 20, height: 20 }, { index: 1, label: 'bicycle' })];
      const first = stage.process!(prediction(0, tracks), frame(0, payload));
      // Nothing is known yet, and process does not wait for the model.
      expect(first.analytics!.tracks!.map((t) => t.secondary)).toEqual([undefined, undefined, undefined]);
      await stage.idle();
      const next = stage.process!(prediction(1, tracks), frame(1, payload));
      expect(next.analytics!.tracks!.map((t) => [t.track_id, t.secondary?.['colour']?.label])).toEqual([[1, 'red'], [2, 'blue'], [3, undefined]]);
      expect(next.analytics!.tracks![0]!.secondary!['colour']).toEqual({ index: 0, label: 'red', score: expect.any(Number), frame_id: 0, at_ms: 1_700_000_000_000 });
      expect(next.analytics!.tracks![0]!.secondary!['colour']!.score).toBeGreaterThan(0.9);
      expect(stage.counters()).toMatchObject({ queuedFirst: 2, invocations: 2, results: 2, failed: 0 });
    }
  });

  it('takes a track of a named merge group by the class the detector saw (detected_label) as well as by its name', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { name: 'colour', classes: ['cell phone'] }), 0));
    const tracks = [track(1, redBox, { index: 1, label: 'car', detected_label: 'cell phone' }), track(2, blueBox, { index: 2, label: 'car' })];
    await drive(stage, 1, () => tracks);
    const next = stage.process!(prediction(1, tracks), frame(1, scene));
    expect(next.analytics!.tracks!.map((t) => [t.track_id, t.secondary?.['colour']?.label])).toEqual([[1, 'red'], [2, undefined]]);
  });

  it('runs again on a track every every_frames of its frames, not in between', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { everyFrames: 10 }), 0));
    await drive(stage, 25, () => [track(1, redBox)]);
    // Frames 0, 10 and 20.
    expect(stage.counters()).toMatchObject({ queuedFirst: 1, queuedEvery: 2, queuedRegrow: 0, invocations: 3 });
  });

  it('runs again when the box area grows by regrow, and only when it grows that much since the last crop', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { everyFrames: 1000, regrow: 1.5 }), 0));
    // Area 600 at frame 0; 840 (x1.4) at frames 1-2: no rerun; 960 (x1.6) at frame 3: rerun; then 1200 (x1.25 of 960): none.
    const sizes = [[30, 20], [30, 28], [30, 28], [30, 32], [30, 40], [30, 40]] as const;
    const last = await drive(stage, sizes.length, (i) => [track(1, { x: 10, y: 20, width: sizes[i]![0], height: sizes[i]![1] })]);
    expect(stage.counters()).toMatchObject({ queuedFirst: 1, queuedEvery: 0, queuedRegrow: 1, invocations: 2 });
    expect(last.analytics!.tracks![0]!.secondary!['colour']!.frame_id).toBe(3);
  });

  it('spends at most max_per_second crops per second over all tracks, new tracks first; the rest wait and are counted', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { maxPerSecond: 4, everyFrames: 1, queue: 64 }), 0));
    const crowd = (n: number) => Array.from({ length: n }, (_, i) => track(i + 1, { x: 4 * i, y: 0, width: 4, height: 10 }));
    // 10 tracks, frames 100 ms apart for 2 s: 4 at once (a full bucket), then 4 per second.
    await drive(stage, 21, () => crowd(10));
    const counters = stage.counters();
    expect(counters['queuedFirst']! + counters['queuedEvery']!).toBe(4 + 8);
    expect(counters['budgetSkips']).toBeGreaterThan(100);
    // Every track got its first crop before any track got a second.
    expect(counters['queuedFirst']).toBe(10);
    expect(counters['queuedEvery']).toBe(2);
  });

  it('keeps at most `queue` crops waiting: the others are dropped, counted, and their tracks stay due', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { queue: 2, everyFrames: 1000 }), 0));
    const tracks = Array.from({ length: 6 }, (_, i) => track(i + 1, { x: 20 * i, y: 0, width: 10, height: 10 }));
    stage.process!(prediction(0, tracks), frame(0, scene));
    expect(stage.counters()).toMatchObject({ queuedFirst: 2, queueFull: 4 });
    await stage.idle();
    stage.process!(prediction(1, tracks), frame(1, scene));
    await stage.idle();
    stage.process!(prediction(2, tracks), frame(2, scene));
    await stage.idle();
    expect(stage.counters()).toMatchObject({ queuedFirst: 6, queueFull: 4 + 2, invocations: 6 });
  });

  it('a box outside the frame makes no crop and waits every_frames before the next try', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { everyFrames: 3 }), 0));
    await drive(stage, 7, () => [track(1, { x: 170, y: 10, width: 20, height: 20 })]);
    expect(stage.counters()).toMatchObject({ queuedFirst: 0, outside: 3, invocations: 0 });
  });

  it('crops only matched tracks (not a coasting box), and attaches no result below min_score', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { minScore: 0.9, everyFrames: 1000 }), 0));
    // A grey patch: the classifier says grey with about 0.6, below 0.9.
    const grey = { x: 60, y: 0, width: 20, height: 20 };
    await drive(stage, 3, (i) => [track(1, grey), track(2, redBox, { matched: i > 0 })]);
    const counters = stage.counters();
    expect(counters).toMatchObject({ queuedFirst: 2, invocations: 2, belowMinScore: 1, results: 1 });
    const out = stage.process!(prediction(3, [track(1, grey), track(2, redBox)]), frame(3, scene));
    expect(out.analytics!.tracks!.map((t) => t.secondary?.['colour']?.label)).toEqual([undefined, 'red']);
    expect(out.analytics!.tracks![1]!.secondary!['colour']!.frame_id).toBe(1);
  });

  it('names the results in the track_end event and forgets the track; a crop of an ended track is not run', async () => {
    const stage = await start(createCascadeStage(cascadeConfig(colourModel, { name: 'colour', everyFrames: 1000 }), 0));
    await drive(stage, 2, () => [track(1, redBox), track(2, blueBox)]);
    const end: TrackEndEvent = { type: 'track_end', pipeline: 'gate', trackId: 1, label: 'car', score: 0, atMs: 5, firstSeenMs: 0, lastSeenMs: 4, bestScore: 0.9 };
    const decorated = stage.decorate!(end);
    expect(decorated).toEqual({ ...end, secondary: { colour: expect.objectContaining({ label: 'red', frame_id: 0 }) } });
    expect(stage.decorate!({ ...end, trackId: 1 })).toEqual({ ...end, trackId: 1 });
    // Track 2 leaves the predictions without an event (the tracker's end came first): forgotten too.
    stage.process!(prediction(2, []), frame(2, scene));
    expect(stage.counters()).toMatchObject({ forgotten: 2 });
    // A new track queued, then gone before its crop runs: the crop is discarded.
    const green = rgbFrame(160, 120, [{ box: redBox, colour: GREEN }]);
    stage.process!(prediction(3, [track(7, redBox), track(8, blueBox)]), frame(3, green));
    stage.process!(prediction(4, [track(7, redBox)]), frame(4, green));
    await stage.idle();
    const out = stage.process!(prediction(5, [track(7, redBox)]), frame(5, green));
    expect(out.analytics!.tracks![0]!.secondary!['colour']!.label).toBe('green');
    expect(stage.counters()).toMatchObject({ queuedFirst: 4, invocations: 3, discarded: 1 });
  });
});

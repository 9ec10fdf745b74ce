/**
 * Tracking quality with known ground truth: edgepipe's tracker against a plain greedy IoU tracker on synthetic
 * scenes (scenes.ts), scored with MOTA, IDF1 and ID switches (mot-metrics.ts). The figures are printed.
 */
import { describe, expect, it } from 'vitest';
import { Tracker } from '../../src/tracking/tracker.js';
import { GreedyIouTracker } from './greedy-iou-tracker.js';
import { motMetrics, type MotFrame, type MotMetrics } from './mot-metrics.js';
import { renderScene, scenes, type SceneFrame } from './scenes.js';

const maxAgeMs = 2000;

function runEdgepipe(frames: readonly SceneFrame[]): MotFrame[] {
  const tracker = new Tracker({ maxAgeMs });
  return frames.map((f) => {
    const update = tracker.update({ frameId: f.frameId, monoMs: f.monoMs, wallMs: f.wallMs, objects: f.detections });
    // As SORT/ByteTrack report: the tracks matched in this frame.
    return { truth: f.truth, hypotheses: update.tracks.filter((t) => t.matched).map((t) => ({ id: t.id, box: t.box })) };
  });
}

function runBaseline(frames: readonly SceneFrame[]): MotFrame[] {
  const tracker = new GreedyIouTracker({ threshold: 0.5, minIou: 0.3, maxAgeMs });
  return frames.map((f) => ({ truth: f.truth, hypotheses: tracker.update(f.monoMs, f.detections) }));
}

const fmt = (m: MotMetrics) =>
  `MOTA ${m.mota.toFixed(3)} IDF1 ${m.idf1.toFixed(3)} IDsw ${m.idSwitches} FN ${m.misses} FP ${m.falsePositives} tracks ${m.tracks}`;

describe('tracking quality on synthetic scenes (MOTA, IDF1, ID switches vs a greedy IoU baseline)', () => {
  const results = scenes().map((spec) => {
    const frames = renderScene(spec);
    return { spec, ours: motMetrics(runEdgepipe(frames)), baseline: motMetrics(runBaseline(frames)), truthIds: spec.objects.length };
  });

  it.each(results.map((r) => [r.spec.name, r] as const))('%s', (_name, { spec, ours, baseline, truthIds }) => {
    console.log(`${spec.name.padEnd(38)} edgepipe: ${fmt(ours)}\n${''.padEnd(38)} baseline: ${fmt(baseline)}`);
    expect(ours.mota).toBeGreaterThan(baseline.mota);
    expect(ours.idf1).toBeGreaterThan(baseline.idf1);
    expect(ours.idSwitches).toBe(0);
    // One track per object: no fragments, no tracks from false positives.
    expect(ours.tracks).toBe(truthIds);
  });

  it('the baseline switches ids where edgepipe does not (crossings, occlusion, skipped frames)', () => {
    const hard = results.filter((r) => /crossing|occlusion|skipped/.test(r.spec.name));
    expect(hard.length).toBe(4);
    for (const r of hard) expect(r.baseline.idSwitches, r.spec.name).toBeGreaterThan(0);
  });
});

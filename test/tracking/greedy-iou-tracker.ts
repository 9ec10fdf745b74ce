/**
 * The baseline: a plain greedy IoU tracker (the IOU tracker of Bochinski et al. 2017, with a max age). Each frame,
 * detections scoring at least `threshold` are matched to tracks by descending IoU with the track's last box;
 * an unmatched detection starts a track at once; a track unmatched for longer than maxAgeMs ends. No motion model.
 */
import type { Box, DetectedObject } from '../../src/postprocess/types.js';
import { boxIou } from '../../src/tracking/geometry.js';

interface GreedyTrack {
  id: number;
  box: Box;
  index: number;
  lastSeenMs: number;
}

export class GreedyIouTracker {
  #tracks: GreedyTrack[] = [];
  #nextId = 1;

  constructor(private readonly options: { threshold: number; minIou: number; maxAgeMs: number }) {}

  /** Returns the tracks matched in this frame. */
  update(monoMs: number, objects: readonly DetectedObject[]): Array<{ id: number; box: Box }> {
    const detections = objects.filter((d) => d.score >= this.options.threshold);
    const pairs: Array<{ t: GreedyTrack; d: number; iou: number }> = [];
    for (const t of this.#tracks) {
      detections.forEach((d, i) => {
        const iou = d.index === t.index ? boxIou(t.box, d.box) : 0;
        if (iou >= this.options.minIou) pairs.push({ t, d: i, iou });
      });
    }
    pairs.sort((a, b) => b.iou - a.iou);
    const usedTracks = new Set<GreedyTrack>();
    const usedDetections = new Set<number>();
    const out: Array<{ id: number; box: Box }> = [];
    for (const { t, d } of pairs) {
      if (usedTracks.has(t) || usedDetections.has(d)) continue;
      usedTracks.add(t);
      usedDetections.add(d);
      t.box = detections[d]!.box;
      t.lastSeenMs = monoMs;
      out.push({ id: t.id, box: t.box });
    }
    detections.forEach((d, i) => {
      if (usedDetections.has(i)) return;
      const t = { id: this.#nextId++, box: d.box, index: d.index, lastSeenMs: monoMs };
      this.#tracks.push(t);
      out.push({ id: t.id, box: t.box });
    });
    this.#tracks = this.#tracks.filter((t) => monoMs - t.lastSeenMs <= this.options.maxAgeMs);
    return out;
  }
}

/**
 * MOT metrics computed by the tests themselves, on boxes with an IoU match threshold (0.5, as MOTChallenge):
 * - CLEAR MOT (Bernardin & Stiefelhagen 2008): per frame, a ground-truth object keeps the hypothesis it was
 *   matched to last while their IoU stays >= the threshold; the rest are matched by optimal assignment. An ID
 *   switch is a ground-truth object matched to a different hypothesis id than its previous match.
 *   MOTA = 1 - (misses + false positives + ID switches) / ground-truth boxes.
 * - IDF1 (Ristani et al. 2016): one global optimal matching of ground-truth trajectories to hypothesis
 *   trajectories maximising the frames where matched pairs overlap; IDF1 = 2 IDTP / (GT boxes + hypothesis boxes).
 */
import { munkres } from 'munkres';
import type { Box } from '../../src/postprocess/types.js';
import { boxIou } from '../../src/tracking/geometry.js';

export interface LabelledBox {
  id: number;
  box: Box;
}

export interface MotFrame {
  truth: readonly LabelledBox[];
  hypotheses: readonly LabelledBox[];
}

export interface MotMetrics {
  mota: number;
  idf1: number;
  idSwitches: number;
  misses: number;
  falsePositives: number;
  truthBoxes: number;
  /** Distinct hypothesis ids. */
  tracks: number;
}

export function motMetrics(frames: readonly MotFrame[], iouThreshold = 0.5): MotMetrics {
  let misses = 0;
  let falsePositives = 0;
  let idSwitches = 0;
  let truthBoxes = 0;
  let hypothesisBoxes = 0;
  const lastMatch = new Map<number, number>();
  const overlap = new Map<string, number>();
  const truthIds = new Set<number>();
  const hypothesisIds = new Set<number>();

  for (const frame of frames) {
    truthBoxes += frame.truth.length;
    hypothesisBoxes += frame.hypotheses.length;
    for (const t of frame.truth) truthIds.add(t.id);
    for (const h of frame.hypotheses) hypothesisIds.add(h.id);
    // IDF1 counts every overlapping pair, whatever the per-frame matching.
    for (const t of frame.truth) {
      for (const h of frame.hypotheses) {
        if (boxIou(t.box, h.box) >= iouThreshold) {
          const key = `${t.id}:${h.id}`;
          overlap.set(key, (overlap.get(key) ?? 0) + 1);
        }
      }
    }

    const matchedTruth = new Set<number>();
    const matchedHyp = new Set<number>();
    const pairs: Array<[LabelledBox, LabelledBox]> = [];
    for (const t of frame.truth) {
      const previous = lastMatch.get(t.id);
      const h = frame.hypotheses.find((x) => x.id === previous);
      if (h && !matchedHyp.has(h.id) && boxIou(t.box, h.box) >= iouThreshold) {
        matchedTruth.add(t.id);
        matchedHyp.add(h.id);
        pairs.push([t, h]);
      }
    }
    const truth = frame.truth.filter((t) => !matchedTruth.has(t.id));
    const hyps = frame.hypotheses.filter((h) => !matchedHyp.has(h.id));
    if (truth.length > 0 && hyps.length > 0) {
      const cost = truth.map((t) => hyps.map((h) => {
        const iou = boxIou(t.box, h.box);
        return iou >= iouThreshold ? 1 - iou : 10;
      }));
      for (const [r, c] of munkres(cost)) {
        if (cost[r]![c]! > 1) continue;
        pairs.push([truth[r]!, hyps[c]!]);
        matchedTruth.add(truth[r]!.id);
        matchedHyp.add(hyps[c]!.id);
      }
    }
    for (const [t, h] of pairs) {
      const previous = lastMatch.get(t.id);
      if (previous !== undefined && previous !== h.id) idSwitches++;
      lastMatch.set(t.id, h.id);
    }
    misses += frame.truth.length - matchedTruth.size;
    falsePositives += frame.hypotheses.length - matchedHyp.size;
  }

  const tIds = [...truthIds];
  const hIds = [...hypothesisIds];
  let idtp = 0;
  if (tIds.length > 0 && hIds.length > 0) {
    const most = Math.max(0, ...overlap.values());
    const cost = tIds.map((t) => hIds.map((h) => most - (overlap.get(`${t}:${h}`) ?? 0)));
    for (const [r, c] of munkres(cost)) idtp += overlap.get(`${tIds[r]}:${hIds[c]}`) ?? 0;
  }
  return {
    mota: truthBoxes > 0 ? 1 - (misses + falsePositives + idSwitches) / truthBoxes : 1,
    idf1: truthBoxes + hypothesisBoxes > 0 ? (2 * idtp) / (truthBoxes + hypothesisBoxes) : 1,
    idSwitches,
    misses,
    falsePositives,
    truthBoxes,
    tracks: hypothesisIds.size,
  };
}

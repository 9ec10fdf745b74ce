/**
 * Greedy per-class non-maximum suppression over axis-aligned boxes (corner form, any consistent units).
 * IoU is invariant under the per-axis scaling and translation of resize and letterbox, so suppressing in tensor
 * coordinates gives the same result as in source pixels.
 */

export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classIndex: number;
}

/** Intersection over union of two boxes; 0 when the union is empty. */
export function iou(a: Candidate, b: Candidate): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Keeps candidates best score first (ties: earlier candidate first); a candidate is dropped when its IoU with a
 * kept candidate of the same class is greater than `iouThreshold` (0..1; the torchvision convention, so 1 keeps
 * everything). Stops after `maxDetections`: a candidate's fate depends only on better ones of its class, which
 * come earlier, so this equals suppressing every class fully and then taking the best `maxDetections`.
 */
export function nonMaxSuppression<T extends Candidate>(candidates: readonly T[], iouThreshold: number, maxDetections: number): T[] {
  const order = candidates.map((_, i) => i).sort((a, b) => candidates[b]!.score - candidates[a]!.score || a - b);
  const keptByClass = new Map<number, T[]>();
  const kept: T[] = [];
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    const c = candidates[i]!;
    const same = keptByClass.get(c.classIndex);
    if (same?.some((k) => iou(k, c) > iouThreshold)) continue;
    if (same) same.push(c);
    else keptByClass.set(c.classIndex, [c]);
    kept.push(c);
  }
  return kept;
}

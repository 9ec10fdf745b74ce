/**
 * Where the detector looks on a frame with motion (`motion.detect_on: regions`): one crop per motion region, in
 * source pixels, so a small object far away is seen at the model's own resolution instead of shrunk with the whole
 * frame. Pure geometry on at most a few boxes: microseconds per frame.
 *
 * Per frame:
 * 1. Each region grows by `margin` (clipped to the frame); regions that then overlap, or that fit together in one
 *    input-sized crop, become one (one inference sees both).
 * 2. More than `maxRegions` left: the whole frame, once (`too_many`).
 * 3. Each region becomes a crop with the input's aspect ratio: a region smaller than the input grows to exactly the
 *    input size (seen 1:1, nothing shrunk); a larger one grows along its short side to the input's aspect (resized
 *    without distortion or padding). The crop is centred on the region and shifted inside the frame; where the frame
 *    is smaller than the crop, clipped to it.
 * 4. When the crops together cover more than `coverLimit` of the frame (0.5), the whole frame, once (`cover`): the
 *    crops would cost several inferences to see about what one whole-frame inference sees.
 */
import type { Box } from '../core/result.js';

/** A size in source pixels. */
export interface CropSize {
  width: number;
  height: number;
}

export interface CropSettings {
  /** The model's image input in source pixels (width and height swapped for `preprocess.rotate` 90 or 270). */
  input: CropSize;
  /** Regions after merging above which the frame is inferred whole, 1-8. */
  maxRegions: number;
  /** Source pixels added on each side of a region, 0 or more. */
  margin: number;
  /** Share of the frame (0-1) the crops' union may cover before the frame is inferred whole; default 0.5. */
  coverLimit?: number;
}

/** `regions`: infer each crop; `frame`: infer the whole frame once, and why. */
export type CropPlan = { kind: 'regions'; crops: Box[] } | { kind: 'frame'; reason: 'too_many' | 'cover' };

/** Default share of the frame above which crops give way to the whole frame. */
export const COVER_LIMIT = 0.5;

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const overlaps = (a: Rect, b: Rect): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
const hull = (a: Rect, b: Rect): Rect => ({ x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) });

/** Merges rectangles that overlap or fit together in one input-sized crop, until none do. */
function mergeRects(rects: Rect[], input: CropSize): Rect[] {
  const out = rects.map((r) => ({ ...r }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i += 1) {
      for (let j = i + 1; j < out.length; j += 1) {
        const h = hull(out[i]!, out[j]!);
        if (!overlaps(out[i]!, out[j]!) && (h.x1 - h.x0 > input.width || h.y1 - h.y0 > input.height)) continue;
        out[i] = h;
        out.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}

/** A span of `size` centred on [lo, hi), shifted inside [0, limit); clipped to [0, limit) when longer. */
function place(lo: number, hi: number, size: number, limit: number): [number, number] {
  if (size >= limit) return [0, limit];
  const start = Math.round((lo + hi - size) / 2);
  const shifted = Math.min(Math.max(0, start), limit - size);
  return [shifted, shifted + size];
}

/** The crop for one region: the input's aspect, at least the input's size, at least the region's. */
function cropFor(r: Rect, input: CropSize, frame: CropSize): Box {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  // Scale >= 1: the crop is the input size times this, so it holds the region and keeps the input's aspect.
  const scale = Math.max(1, w / input.width, h / input.height);
  const cw = Math.max(w, Math.round(input.width * scale));
  const ch = Math.max(h, Math.round(input.height * scale));
  const [x0, x1] = place(r.x0, r.x1, cw, frame.width);
  const [y0, y1] = place(r.y0, r.y1, ch, frame.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Area of the union of boxes (few boxes: coordinate compression). */
export function unionArea(boxes: readonly Box[]): number {
  const xs = [...new Set(boxes.flatMap((b) => [b.x, b.x + b.width]))].sort((a, b) => a - b);
  const ys = [...new Set(boxes.flatMap((b) => [b.y, b.y + b.height]))].sort((a, b) => a - b);
  let area = 0;
  for (let i = 0; i + 1 < xs.length; i += 1) {
    for (let j = 0; j + 1 < ys.length; j += 1) {
      const cx = (xs[i]! + xs[i + 1]!) / 2;
      const cy = (ys[j]! + ys[j + 1]!) / 2;
      if (boxes.some((b) => cx > b.x && cx < b.x + b.width && cy > b.y && cy < b.y + b.height)) area += (xs[i + 1]! - xs[i]!) * (ys[j + 1]! - ys[j]!);
    }
  }
  return area;
}

/**
 * The crops for the motion `regions` (source pixels) of a `frame`-sized frame, or the whole frame and why. At
 * least one region is expected (a frame without motion is not planned).
 */
export function planCrops(regions: readonly Box[], frame: CropSize, settings: CropSettings): CropPlan {
  const { input, margin } = settings;
  const grown = regions.map((r): Rect => ({
    x0: Math.max(0, r.x - margin),
    y0: Math.max(0, r.y - margin),
    x1: Math.min(frame.width, r.x + r.width + margin),
    y1: Math.min(frame.height, r.y + r.height + margin),
  }));
  const merged = mergeRects(grown, input);
  if (merged.length > settings.maxRegions) return { kind: 'frame', reason: 'too_many' };
  const crops = merged.map((r) => cropFor(r, input, frame));
  if (unionArea(crops) > (settings.coverLimit ?? COVER_LIMIT) * frame.width * frame.height) return { kind: 'frame', reason: 'cover' };
  return { kind: 'regions', crops };
}

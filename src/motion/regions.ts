/**
 * Motion regions: 8-connected components of the changed pixels of the small grid, merged when their boxes come
 * within `gap` small pixels of each other (one moving person often thresholds into several pieces), then kept
 * when the merged group has at least `minPixels` changed pixels.
 */

/** A region on the small grid: box (inclusive edges) and changed pixels inside. */
export interface GridRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  pixels: number;
}

/** Scratch for a grid of `size` pixels; reused frame after frame. */
export interface RegionScratch {
  labels: Int32Array;
  parent: Int32Array;
  /** Per label: x0, y0, x1, y1, pixels (grown when a frame has more labels). */
  boxes: Int32Array;
}

export function regionScratch(size: number): RegionScratch {
  return { labels: new Int32Array(size), parent: new Int32Array(size + 1), boxes: new Int32Array(5 * 256) };
}

/** Pieces smaller than this share of `minPixels` are noise, dropped before merging (which is quadratic). */
const PIECE_SHARE = 0.25;
/** At most this many pieces are merged (the largest); a frame with more is mostly noise or a lighting change. */
const MAX_PIECES = 256;

function root(parent: Int32Array, a: number): number {
  let r = a;
  while (parent[r] !== r) r = parent[r]!;
  // Path halving keeps later lookups short.
  while (parent[a] !== r) {
    const next = parent[a]!;
    parent[a] = r;
    a = next;
  }
  return r;
}

function union(parent: Int32Array, a: number, b: number): number {
  const ra = root(parent, a);
  const rb = root(parent, b);
  if (ra === rb) return ra;
  if (ra < rb) {
    parent[rb] = ra;
    return ra;
  }
  parent[ra] = rb;
  return rb;
}

/** Connected pieces of `changed` (1 = changed), w x h, two-pass labelling with union-find. */
function pieces(changed: Uint8Array, w: number, h: number, scratch: RegionScratch): GridRegion[] {
  const { labels, parent } = scratch;
  let next = 1;
  for (let y = 0; y < h; y += 1) {
    const row = y * w;
    for (let x = 0; x < w; x += 1) {
      const k = row + x;
      if (!changed[k]) {
        labels[k] = 0;
        continue;
      }
      // Neighbours already labelled: left, and the three above.
      let label = x > 0 ? labels[k - 1]! : 0;
      if (y > 0) {
        for (let dx = -1; dx <= 1; dx += 1) {
          if (x + dx < 0 || x + dx >= w) continue;
          const other = labels[k - w + dx]!;
          if (other === 0) continue;
          label = label === 0 ? root(parent, other) : union(parent, label, other);
        }
      }
      if (label === 0) {
        label = next;
        parent[next] = next;
        next += 1;
      }
      labels[k] = label;
    }
  }
  // One slot per label, indexed by its root: no map, no object until the end.
  const boxes = scratch.boxes.length >= 5 * next ? scratch.boxes : (scratch.boxes = new Int32Array(5 * next));
  boxes.fill(-1, 0, 5 * next);
  const roots: number[] = [];
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const label = labels[y * w + x]!;
      if (label === 0) continue;
      const r = root(parent, label);
      const b = 5 * r;
      if (boxes[b + 4] === -1) {
        roots.push(r);
        boxes[b] = x;
        boxes[b + 1] = y;
        boxes[b + 2] = x;
        boxes[b + 3] = y;
        boxes[b + 4] = 1;
      } else {
        if (x < boxes[b]!) boxes[b] = x;
        if (x > boxes[b + 2]!) boxes[b + 2] = x;
        boxes[b + 3] = y;
        boxes[b + 4] = boxes[b + 4]! + 1;
      }
    }
  }
  return roots.map((r) => ({ x0: boxes[5 * r]!, y0: boxes[5 * r + 1]!, x1: boxes[5 * r + 2]!, y1: boxes[5 * r + 3]!, pixels: boxes[5 * r + 4]! }));
}

const near = (a: GridRegion, b: GridRegion, gap: number): boolean =>
  a.x0 <= b.x1 + gap + 1 && b.x0 <= a.x1 + gap + 1 && a.y0 <= b.y1 + gap + 1 && b.y0 <= a.y1 + gap + 1;

/**
 * The motion regions of `changed`: pieces merged across gaps of up to `gap` small pixels, groups of at least
 * `minPixels` changed pixels, largest first.
 */
export function motionRegions(changed: Uint8Array, w: number, h: number, minPixels: number, gap: number, scratch: RegionScratch): GridRegion[] {
  const floor = Math.max(1, Math.floor(minPixels * PIECE_SHARE));
  const found = pieces(changed, w, h, scratch)
    .filter((p) => p.pixels >= floor)
    .sort((a, b) => b.pixels - a.pixels)
    .slice(0, MAX_PIECES);
  // Merge until no two groups are near: each merge can bring a group near another.
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < found.length && !merged; i += 1) {
      for (let j = i + 1; j < found.length; j += 1) {
        const a = found[i]!;
        const b = found[j]!;
        if (!near(a, b, gap)) continue;
        a.x0 = Math.min(a.x0, b.x0);
        a.y0 = Math.min(a.y0, b.y0);
        a.x1 = Math.max(a.x1, b.x1);
        a.y1 = Math.max(a.y1, b.y1);
        a.pixels += b.pixels;
        found.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return found.filter((g) => g.pixels >= minPixels).sort((a, b) => b.pixels - a.pixels);
}

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
}

export function regionScratch(size: number): RegionScratch {
  return { labels: new Int32Array(size), parent: new Int32Array(size + 1) };
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
      let label = 0;
      const join = (other: number): void => {
        if (other === 0) return;
        label = label === 0 ? root(parent, other) : union(parent, label, other);
      };
      if (x > 0) join(labels[k - 1]!);
      if (y > 0) {
        if (x > 0) join(labels[k - w - 1]!);
        join(labels[k - w]!);
        if (x + 1 < w) join(labels[k - w + 1]!);
      }
      if (label === 0) {
        label = next;
        parent[next] = next;
        next += 1;
      }
      labels[k] = label;
    }
  }
  const byRoot = new Map<number, GridRegion>();
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const label = labels[y * w + x]!;
      if (label === 0) continue;
      const r = root(parent, label);
      const region = byRoot.get(r);
      if (!region) byRoot.set(r, { x0: x, y0: y, x1: x, y1: y, pixels: 1 });
      else {
        if (x < region.x0) region.x0 = x;
        if (x > region.x1) region.x1 = x;
        region.y1 = y;
        region.pixels += 1;
      }
    }
  }
  return [...byRoot.values()];
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

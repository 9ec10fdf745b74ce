/**
 * Mask polygons rasterised once to the small grid. A small pixel is masked when any source pixel of its block
 * has its centre inside a polygon (even-odd rule): conservative, so a blinking clock cannot leak into the pixels
 * at its edge. Polygons outside the frame are clipped (a camera whose size was not known when the config was
 * checked); `coverage` says how much of the grid is masked.
 */
import type { MotionMaskConfig } from '../config/types.js';
import type { GreyGrid } from './grey.js';

export interface RasterMask {
  /** 1 where motion is ignored, per small pixel (grid.width * grid.height). */
  masked: Uint8Array;
  /** Small pixels not masked. */
  open: number;
}

/** Polygon corners in source pixels. */
function toPixels(mask: MotionMaskConfig, grid: GreyGrid): [number, number][] {
  if (mask.units === 'pixels') return mask.points;
  return mask.points.map(([x, y]) => [x * grid.sourceWidth, y * grid.sourceHeight]);
}

/** Sets `row` (source pixels of one row) to 1 inside `polygon` at the row's centre line. */
function fillRow(polygon: [number, number][], y: number, row: Uint8Array, crossings: number[]): void {
  crossings.length = 0;
  const yc = y + 0.5;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
    const [x1, y1] = polygon[j]!;
    const [x2, y2] = polygon[i]!;
    if ((y1 <= yc && yc < y2) || (y2 <= yc && yc < y1)) crossings.push(x1 + ((yc - y1) * (x2 - x1)) / (y2 - y1));
  }
  crossings.sort((a, b) => a - b);
  for (let k = 0; k + 1 < crossings.length; k += 2) {
    // Pixels whose centre x + 0.5 lies in [a, b].
    const from = Math.max(0, Math.ceil(crossings[k]! - 0.5));
    const to = Math.min(row.length - 1, Math.floor(crossings[k + 1]! - 0.5));
    if (to >= from) row.fill(1, from, to + 1);
  }
}

/** The masks of a motion section on `grid`. */
export function rasteriseMasks(masks: readonly MotionMaskConfig[], grid: GreyGrid): RasterMask {
  const { width: w, height: h, xStart, yStart, sourceWidth } = grid;
  const masked = new Uint8Array(w * h);
  if (masks.length > 0) {
    const polygons = masks.map((mask) => toPixels(mask, grid));
    const row = new Uint8Array(sourceWidth);
    const crossings: number[] = [];
    for (let j = 0; j < h; j += 1) {
      for (let y = yStart[j]!; y < yStart[j + 1]!; y += 1) {
        row.fill(0);
        // Even-odd within a polygon, union across polygons.
        for (const polygon of polygons) fillRow(polygon, y, row, crossings);
        for (let i = 0; i < w; i += 1) {
          if (masked[j * w + i]) continue;
          for (let x = xStart[i]!; x < xStart[i + 1]!; x += 1) {
            if (row[x]) {
              masked[j * w + i] = 1;
              break;
            }
          }
        }
      }
    }
  }
  let open = 0;
  for (let k = 0; k < masked.length; k += 1) open += 1 - masked[k]!;
  return { masked, open };
}

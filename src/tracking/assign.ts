/**
 * Optimal one-to-one assignment with a cost ceiling, on the `munkres` package (Hungarian algorithm, O(n²m) for
 * n <= m, rectangular matrices). A pair costing more than `maxCost` is never matched: such cells are set to a
 * value above any sum of allowed costs before solving, so the solver never trades an allowed pair for them, and
 * pairs it still chose through them (a row with no allowed cell) are dropped afterwards, as in ByteTrack's
 * `linear_assignment` with `cost_limit` (lap.lapjv).
 */
import { munkres } from 'munkres';

export interface Assignment {
  /** [row, column] pairs, each costing at most maxCost. */
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedColumns: number[];
}

/** Solves `cost[row][column]` (rows: tracks, columns: detections); costs >= 0 (Infinity: never). */
export function assign(cost: readonly (readonly number[])[], rows: number, columns: number, maxCost: number): Assignment {
  const matches: Array<[number, number]> = [];
  const rowUsed = new Array<boolean>(rows).fill(false);
  const columnUsed = new Array<boolean>(columns).fill(false);
  if (rows > 0 && columns > 0) {
    // Above the largest total of allowed costs: min(rows, columns) pairs of at most maxCost each.
    const forbidden = (Math.min(rows, columns) + 1) * (maxCost + 1);
    const gated = cost.map((row) => row.map((c) => (c <= maxCost ? c : forbidden)));
    for (const [r, c] of munkres(gated)) {
      if (cost[r]![c]! > maxCost) continue;
      matches.push([r, c]);
      rowUsed[r] = true;
      columnUsed[c] = true;
    }
  }
  return {
    matches,
    unmatchedRows: rowUsed.flatMap((used, i) => (used ? [] : [i])),
    unmatchedColumns: columnUsed.flatMap((used, i) => (used ? [] : [i])),
  };
}

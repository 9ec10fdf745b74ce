/**
 * Optimal one-to-one assignment with a cost ceiling, on the `munkres` package (Hungarian algorithm, O(n²m) for
 * n <= m, rectangular matrices). A pair costing more than `maxCost` is never matched: such cells are set to a
 * value above any sum of allowed costs before solving, so the solver never trades an allowed pair for them, and
 * pairs it still chose through them (a row with no allowed cell) are dropped afterwards, as in ByteTrack's
 * `linear_assignment` with `cost_limit` (lap.lapjv).
 *
 * The matrix is first split into the connected components of its allowed pairs, each solved on its own: the
 * optimum decomposes over them (no allowed pair joins two components), and a frame's tracks and detections
 * mostly pair up alone. That keeps a crowd from costing O(n³): 500 x 500 in one piece takes about 45 ms here,
 * enough to stall the event loop; as components of a few boxes, well under a millisecond (bench/tracking.ts).
 * `assignEdges` takes only the allowed pairs, so a caller that finds them without a full matrix (the tracker
 * sweeps boxes sorted by x) never builds one.
 */
import { munkres } from 'munkres';

export interface Assignment {
  /** [row, column] pairs, each costing at most maxCost, in row order. */
  matches: Array<[number, number]>;
  unmatchedRows: number[];
  unmatchedColumns: number[];
}

/** An allowed pair: cost 0..maxCost (pairs above it are left out of the list). */
export interface Edge {
  row: number;
  column: number;
  cost: number;
}

/** Connected components of the allowed pairs; rows and columns without one are left out (they stay unmatched). */
function components(rows: number, edges: readonly Edge[]): Map<number, { rows: number[]; columns: number[]; edges: Edge[] }> {
  // Union-find over rows 0..rows-1 and columns rows..
  const parent = new Map<number, number>();
  const find = (i: number): number => {
    let p = parent.get(i) ?? i;
    while (p !== i) {
      const grand = parent.get(p) ?? p;
      parent.set(i, grand);
      i = p;
      p = grand;
    }
    return i;
  };
  for (const e of edges) {
    const a = find(e.row);
    const b = find(rows + e.column);
    if (a !== b) parent.set(a, b);
  }
  const groups = new Map<number, { rows: number[]; columns: number[]; edges: Edge[] }>();
  const seen = new Set<number>();
  for (const e of edges) {
    const root = find(e.row);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { rows: [], columns: [], edges: [] }));
    g.edges.push(e);
    if (!seen.has(e.row)) {
      seen.add(e.row);
      g.rows.push(e.row);
    }
    if (!seen.has(rows + e.column)) {
      seen.add(rows + e.column);
      g.columns.push(e.column);
    }
  }
  return groups;
}

/** Solves the assignment given only its allowed pairs (every edge cost <= maxCost). */
export function assignEdges(rows: number, columns: number, edges: readonly Edge[], maxCost: number): Assignment {
  const matches: Array<[number, number]> = [];
  const rowUsed = new Array<boolean>(rows).fill(false);
  const columnUsed = new Array<boolean>(columns).fill(false);
  const take = (r: number, c: number) => {
    matches.push([r, c]);
    rowUsed[r] = true;
    columnUsed[c] = true;
  };
  for (const g of components(rows, edges).values()) {
    if (g.edges.length === 1) {
      take(g.edges[0]!.row, g.edges[0]!.column);
      continue;
    }
    // Above the largest total of allowed costs: min(rows, columns) pairs of at most maxCost each.
    const forbidden = (Math.min(g.rows.length, g.columns.length) + 1) * (maxCost + 1);
    const rowAt = new Map(g.rows.map((r, i) => [r, i]));
    const columnAt = new Map(g.columns.map((c, j) => [c, j]));
    const sub = g.rows.map(() => new Array<number>(g.columns.length).fill(forbidden));
    for (const e of g.edges) sub[rowAt.get(e.row)!]![columnAt.get(e.column)!] = e.cost;
    for (const [i, j] of munkres(sub)) {
      if (sub[i]![j]! <= maxCost) take(g.rows[i]!, g.columns[j]!);
    }
  }
  matches.sort((a, b) => a[0] - b[0]);
  return {
    matches,
    unmatchedRows: rowUsed.flatMap((used, i) => (used ? [] : [i])),
    unmatchedColumns: columnUsed.flatMap((used, i) => (used ? [] : [i])),
  };
}

/** Solves `cost[row][column]` (rows: tracks, columns: detections); costs >= 0 (Infinity: never). */
export function assign(cost: readonly (readonly number[])[], rows: number, columns: number, maxCost: number): Assignment {
  const edges: Edge[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const c = cost[row]![column]!;
      if (c <= maxCost) edges.push({ row, column, cost: c });
    }
  }
  return assignEdges(rows, columns, edges, maxCost);
}

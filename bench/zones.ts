/**
 * Cost of the zone engine per frame (issue 13): `tracks` objects against `zones` 6-point polygons and `lines`
 * lines, every object moving every frame, events built and returned. Standalone (not in run.ts):
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/zones.js [tracks zones lines]...
 */
import { ZoneEngine } from '../src/zones/zone-engine.js';
import type { ZoneSubject } from '../src/zones/types.js';

export interface ZoneBenchResult {
  name: 'zones';
  tracks: number;
  zones: number;
  lines: number;
  /** Mean wall time of one update, microseconds. */
  us_per_update: number;
  events: number;
}

export function zoneBenchmark(tracks: number, zoneCount: number, lineCount: number, frames = 20_000): ZoneBenchResult {
  const zones = Array.from({ length: zoneCount }, (_, i) => ({
    name: `z${i}`,
    points: [[50 + i * 10, 50], [400, 60 + i * 5], [600, 300], [300, 450], [40, 400], [100, 200]] as Array<[number, number]>,
  }));
  const lines = Array.from({ length: lineCount }, (_, i) => ({ name: `l${i}`, points: [[0, 100 + i * 50], [640, 120 + i * 50]] as [[number, number], [number, number]] }));
  const engine = new ZoneEngine({ pipeline: 'bench', zones, lines });
  const frame = { width: 640, height: 480 };
  // Subjects prepared up front: the figure is the engine's, not the allocation of the input.
  const period = 640;
  const inputs: ZoneSubject[][] = Array.from({ length: period }, (_, f) =>
    Array.from({ length: tracks }, (_, id) => {
      const x = (id * 37 + f * 3) % 640;
      const y = (id * 53 + f * 2) % 480;
      return { id, label: 'person', score: 0.8, box: { x: x - 20, y: y - 100, width: 40, height: 100 } };
    }),
  );
  let events = 0;
  const run = (n: number, t0: number): void => {
    for (let f = 0; f < n; f++) events += engine.update(inputs[f % period]!, { atMs: t0 + f * 100, frame }).length;
  };
  run(2000, 0);
  events = 0;
  const start = process.hrtime.bigint();
  run(frames, 1e9);
  const ns = Number(process.hrtime.bigint() - start);
  return { name: 'zones', tracks, zones: zoneCount, lines: lineCount, us_per_update: Math.round(ns / frames / 100) / 10, events };
}

if (process.argv[1]?.endsWith('zones.js')) {
  const args = process.argv.slice(2).map(Number);
  const cases = args.length >= 3 ? [[args[0]!, args[1]!, args[2]!]] : [[5, 2, 1], [20, 4, 2], [100, 10, 5]];
  for (const [tracks, zones, lines] of cases) process.stdout.write(`${JSON.stringify(zoneBenchmark(tracks!, zones!, lines!))}\n`);
}

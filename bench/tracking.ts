/**
 * Cost of one Tracker.update (filters excluded) for crowds of 10 to 500 moving objects with box jitter, misses
 * and false positives, 10 fps for 60 s each: median, p99 and max per update, in ms. The assignment is solved per
 * connected component (src/tracking/assign.ts); a dense 500 x 500 Hungarian solve alone takes tens of ms.
 * Wall times include waiting for a core; cpu_mean_ms is the process CPU time per update (GC threads included).
 */
import { performance } from 'node:perf_hooks';
import type { DetectedObject } from '../src/postprocess/types.js';
import { mulberry32 } from '../src/sources/synthetic-patterns.js';
import { Tracker } from '../src/tracking/tracker.js';

interface Walker {
  x: number;
  y: number;
  vx: number;
  vy: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function trackingBenchmark(crowds: readonly number[] = [10, 50, 200, 500]): unknown[] {
  return crowds.map((n) => {
    const next = mulberry32(n);
    const random = () => next() / 2 ** 32;
    const width = 3840;
    const height = 2160;
    const walkers: Walker[] = Array.from({ length: n }, () => ({
      x: random() * width, y: random() * height, vx: (random() - 0.5) * 300, vy: (random() - 0.5) * 150,
    }));
    const tracker = new Tracker();
    const times: number[] = [];
    let tracks = 0;
    // CPU time tells the tracker's cost apart from waiting for a core on a loaded machine (wall p99).
    let cpuMs = 0;
    for (let frame = 0; frame < 600; frame++) {
      const objects: DetectedObject[] = [];
      for (const w of walkers) {
        w.x = (w.x + w.vx / 10 + width) % width;
        w.y = (w.y + w.vy / 10 + height) % height;
        if (random() < 0.1) continue;
        objects.push({ index: 0, label: 'person', score: 0.5 + 0.5 * random(), box: { x: w.x + 2 * random(), y: w.y + 2 * random(), width: 40, height: 100 } });
      }
      for (let i = 0; i < n / 20; i++) objects.push({ index: 0, score: 0.3 + 0.4 * random(), box: { x: random() * width, y: random() * height, width: 40, height: 100 } });
      const cpu = process.cpuUsage();
      const start = performance.now();
      const update = tracker.update({ frameId: frame, monoMs: frame * 100, wallMs: frame * 100, objects });
      times.push(performance.now() - start);
      if (frame >= 50) {
        const used = process.cpuUsage(cpu);
        cpuMs += (used.user + used.system) / 1000;
      }
      tracks = update.tracks.length;
    }
    const steady = times.slice(50).sort((a, b) => a - b);
    const round = (v: number) => Math.round(v * 1000) / 1000;
    return {
      name: 'tracking-update',
      objects: n,
      updates: steady.length,
      median_ms: round(percentile(steady, 0.5)),
      p99_ms: round(percentile(steady, 0.99)),
      max_ms: round(steady.at(-1)!),
      cpu_mean_ms: round(cpuMs / steady.length),
      tracks_at_end: tracks,
    };
  });
}

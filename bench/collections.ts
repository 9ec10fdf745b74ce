/**
 * The heap side of a latency measurement: which setting the process runs with, and the garbage collections by
 * kind over the measured window (the counters /metrics exports, read before and after).
 */
import { gcKinds, processGcCounters, type GcKind } from '../src/service/gc-counters.js';
import { HEAP_GROWING_PERCENT, tuneHeapForFrames } from '../src/runtime/heap.js';

/** Starts counting now; `stop()` returns the collections since, by kind. */
export function countCollections(): { stop: () => Record<GcKind, number> } {
  const counters = processGcCounters();
  const before = counters.read();
  return {
    stop: () => {
      const after = counters.read();
      return Object.fromEntries(gcKinds.map((kind) => [kind, after[kind].collections - before[kind].collections])) as Record<GcKind, number>;
    },
  };
}

/** The heap setting the measurement ran with: edgepipe's (as `edgepipe run` applies it) or V8's default. */
export function applyHeapSetting(): number | 'v8 default' {
  if (process.env['EDGEPIPE_BENCH_HEAP'] === 'default') return 'v8 default';
  tuneHeapForFrames();
  return HEAP_GROWING_PERCENT;
}

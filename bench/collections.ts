/**
 * Garbage collections by kind over a measured window: a latency tail is reported beside the collections that ran
 * meanwhile (a mark-compact stops the JS thread for milliseconds and lands on whichever frame awaits it).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { HEAP_GROWING_PERCENT, tuneHeapForFrames } from '../src/runtime/heap.js';

export interface CollectionCounts {
  /** Mark-compacts (full collections). */
  major: number;
  /** Scavenges (young generation). */
  minor: number;
  incremental: number;
}

/** Starts counting now; `stop()` disconnects and returns the counts. */
export function countCollections(): { stop: () => CollectionCounts } {
  const counts: CollectionCounts = { major: 0, minor: 0, incremental: 0 };
  const tally = (entries: PerformanceEntry[]): void => {
    for (const entry of entries) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major += 1;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor += 1;
      else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) counts.incremental += 1;
    }
  };
  const observer = new PerformanceObserver((list) => tally(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      // Entries reach the callback asynchronously: count the ones still queued.
      tally(observer.takeRecords());
      observer.disconnect();
      return counts;
    },
  };
}

/** The heap setting the measurement ran with: edgepipe's (as `edgepipe run` applies it) or V8's default. */
export function applyHeapSetting(): number | 'v8 default' {
  if (process.env['EDGEPIPE_BENCH_HEAP'] === 'default') return 'v8 default';
  tuneHeapForFrames();
  return HEAP_GROWING_PERCENT;
}

/**
 * This process's garbage collections, by kind, for /metrics and the benchmarks. A mark-compact stops the JS thread
 * for milliseconds and the frame whose `await` is pending waits (docs/benchmarks.md, "Latency"): comparing these
 * counters with edgepipe_stage_latency_seconds tells a collection-made tail from a slow accelerator on a board.
 */
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

export type GcKind = 'major' | 'minor' | 'incremental' | 'weakcb';

export interface GcTotal {
  collections: number;
  /** Time the JS thread spent in them, seconds. */
  seconds: number;
}

const kindOf = new Map<number, GcKind>([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

export const gcKinds: readonly GcKind[] = [...kindOf.values()];

const zeros = (): Record<GcKind, GcTotal> =>
  Object.fromEntries(gcKinds.map((kind) => [kind, { collections: 0, seconds: 0 }])) as Record<GcKind, GcTotal>;

export class GcCounters {
  private readonly totals = zeros();
  private readonly observer = new PerformanceObserver((list) => this.add(list.getEntries()));

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /**
   * Totals since this counter started, including entries not yet delivered to the observer (node queues a
   * collection's entry for the next turn of the event loop, so one that ended this turn is not counted yet).
   */
  read(): Record<GcKind, GcTotal> {
    this.add(this.observer.takeRecords());
    return structuredClone(this.totals);
  }

  private add(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) {
      const kind = kindOf.get((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1);
      if (!kind) continue;
      this.totals[kind].collections += 1;
      this.totals[kind].seconds += entry.duration / 1000;
    }
  }
}

let processCounters: GcCounters | undefined;

/** One observer per process, started on first use: every reader sees the same monotonic totals. */
export function processGcCounters(): GcCounters {
  processCounters ??= new GcCounters();
  return processCounters;
}

/**
 * Metrics the pipeline counters do not hold: per-stage latency histograms (cumulative, as Prometheus wants them,
 * not the bounded windows of the stats lines) and delegate changes. Fed by one extra sink per pipeline, so the
 * engine needs no hook; kept by pipeline name, so they survive a pipeline's restarts.
 */
import type { Prediction, StageLatency } from '../pipeline/frame.js';
import type { PredictionSink, SinkStats } from '../sinks/types.js';

export const stages: ReadonlyArray<keyof StageLatency> = ['queue', 'preprocess', 'infer', 'postprocess', 'total'];

/** Upper bounds in seconds: 1 ms to 10 s, for an edge board from a Coral (2 ms) to a Pi CPU on a big model (2 s). */
export const latencyBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram {
  /** counts[i]: observations <= latencyBuckets[i] (not cumulative; rendered cumulative). */
  readonly counts = new Array<number>(latencyBuckets.length).fill(0);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    this.count += 1;
    this.sum += seconds;
    const i = latencyBuckets.findIndex((bound) => seconds <= bound);
    if (i >= 0) this.counts[i]! += 1;
  }
}

export interface PipelineMetrics {
  latency: Record<keyof StageLatency, Histogram>;
  /** Changes of the delegate between consecutive predictions: failovers and returns after a reprobe. */
  delegateChanges: number;
  lastDelegate?: string;
}

export class MetricsRegistry {
  private readonly pipelines = new Map<string, PipelineMetrics>();

  get(pipeline: string): PipelineMetrics | undefined {
    return this.pipelines.get(pipeline);
  }

  observe(prediction: Prediction): void {
    let metrics = this.pipelines.get(prediction.pipeline);
    if (!metrics) {
      const latency = Object.fromEntries(stages.map((stage) => [stage, new Histogram()])) as PipelineMetrics['latency'];
      metrics = { latency, delegateChanges: 0 };
      this.pipelines.set(prediction.pipeline, metrics);
    }
    for (const stage of stages) metrics.latency[stage].observe(prediction.latencyMs[stage] / 1000);
    if (metrics.lastDelegate !== undefined && metrics.lastDelegate !== prediction.delegate) metrics.delegateChanges += 1;
    metrics.lastDelegate = prediction.delegate;
  }

  /** A sink for `PipelineContext.extraSinks`: observes every prediction, writes nothing. */
  sinkFor(pipeline: string): PredictionSink {
    let written = 0;
    let open = false;
    return {
      kind: 'metrics',
      name: `${pipeline}/metrics`,
      start: async () => {
        open = true;
      },
      write: (prediction) => {
        if (!open) return;
        this.observe(prediction);
        written += 1;
      },
      flush: async () => true,
      stop: async () => {
        open = false;
      },
      stats: (): SinkStats => ({ written, dropped: 0, errors: 0, pending: 0 }),
    };
  }
}

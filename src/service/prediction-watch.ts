/**
 * Has a pipeline delivered a prediction yet? A sink added to the pipeline's own ones (like the metrics sink), so
 * the reload health check is told by the stream itself instead of polling counters.
 */
import type { PredictionSink, SinkStats } from '../sinks/types.js';

export class PredictionWatch {
  /** Predictions seen, over every restart of the pipeline. */
  count = 0;
  private waiters: Array<() => void> = [];

  /** A sink for `PipelineContext.extraSinks` (called again at each restart): counts, writes nothing. */
  sink(pipeline: string): PredictionSink {
    let seen = 0;
    let open = false;
    return {
      kind: 'watch',
      name: `${pipeline}/watch`,
      start: async () => {
        open = true;
      },
      write: () => {
        if (!open) return;
        seen += 1;
        this.count += 1;
        if (this.count === 1) for (const wake of this.waiters.splice(0)) wake();
      },
      flush: async () => true,
      stop: async () => {
        open = false;
      },
      stats: (): SinkStats => ({ written: seen, dropped: 0, errors: 0, pending: 0 }),
    };
  }

  /** Resolves at the first prediction (at once if there was one). */
  first(): Promise<void> {
    if (this.count > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

import type { Prediction } from '../core/frame.js';
import type { PredictionSink, SinkStats } from './types.js';

/**
 * Hands each prediction to a function in-process: the demo's console output, and tests that look at
 * predictions. The function runs synchronously in write(); it must be quick and must not throw.
 */
export function callbackSink(pipeline: string, onPrediction: (prediction: Prediction) => void): PredictionSink {
  let open = false;
  const stats: SinkStats = { written: 0, dropped: 0, errors: 0, pending: 0 };
  return {
    kind: 'callback',
    name: `${pipeline}/callback`,
    start: async () => {
      open = true;
    },
    write: (prediction) => {
      if (!open) {
        stats.dropped += 1;
        return;
      }
      try {
        onPrediction(prediction);
        stats.written += 1;
      } catch (error) {
        stats.errors += 1;
        stats.dropped += 1;
        stats.lastError = (error as Error).message;
      }
    },
    flush: async () => true,
    stop: async () => {
      open = false;
    },
    stats: () => ({ ...stats }),
  };
}

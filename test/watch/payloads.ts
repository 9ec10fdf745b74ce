/** Payloads as the mqtt sink publishes them (its own envelope), for the watch tests. */
import type { Prediction } from '../../src/core/frame.js';
import { predictionPayload } from '../../src/sinks/mqtt/envelope.js';
import { prediction } from '../sinks/helpers.js';

/** The JSON the sink publishes for frame `seq - 1` of `pipeline` on `device`, as message `seq`. */
export function payload(seq: number, device = 'cam', pipeline = 'door', overrides: Partial<Prediction> = {}): string {
  return predictionPayload(prediction(seq - 1, { pipeline, ...overrides }), seq, device);
}

/** `text` parsed, changed by `edit`, serialised again. */
export function edited(text: string, edit: (value: Record<string, unknown>) => void): string {
  const value = JSON.parse(text) as Record<string, unknown>;
  edit(value);
  return JSON.stringify(value);
}

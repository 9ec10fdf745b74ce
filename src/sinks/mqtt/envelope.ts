/**
 * The MQTT payload: versioned JSON (`schema: "edgepipe.prediction/1"`, described by schema/prediction.schema.json)
 * with a unique message id (UUIDv7, for de-duplication), a per-stream sequence number persisted across restarts
 * (for gap detection), the device, then the prediction exactly as the JSON-lines sinks write it.
 */
import { randomBytes } from 'node:crypto';
import type { Prediction } from '../../core/frame.js';
import { predictionRecord } from '../json-lines.js';

export const PREDICTION_SCHEMA_ID = 'edgepipe.prediction/1';

/** A UUIDv7 (RFC 9562): 48-bit Unix ms, version 7, 74 random bits; sorts by creation time to the millisecond. */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The JSON text published for `prediction` as message `seq` of `device`. */
export function predictionPayload(prediction: Prediction, seq: number, device: string): string {
  return JSON.stringify({ schema: PREDICTION_SCHEMA_ID, id: uuidv7(), seq, device, ...predictionRecord(prediction) });
}

/** `template` with `{device}` and `{pipeline}` replaced. */
export function fillTopic(template: string, values: { device: string; pipeline: string }): string {
  return template.replaceAll('{device}', values.device).replaceAll('{pipeline}', values.pipeline);
}

/** Why `level` cannot be one topic level (undefined when it can): used for device ids from the hostname. */
export function topicLevelProblem(level: string): string | undefined {
  if (level === '') return 'is empty';
  if (/[+#/]/u.test(level)) return 'contains +, # or /';
  if (/[\s\u0000-\u001f]/u.test(level)) return 'contains spaces or control characters';
  return undefined;
}

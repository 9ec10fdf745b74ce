/** Postprocess results as the MQTT sink publishes them, checked against the shipped schema/prediction.schema.json. */
import type { Json } from '../../src/config/json-schema-check.js';
import type { Result } from '../../src/postprocess/index.js';
import { predictionPayload } from '../../src/sinks/mqtt/envelope.js';
import { predictionSchemaCheck } from '../../src/watch/schema-check.js';
import { prediction } from '../sinks/helpers.js';

const check = predictionSchemaCheck();

/** The payload published for `result` (frame 1 of pipeline "door") and its problems against the schema. */
export function payloadOf(result: Result): { payload: Record<string, unknown>; problems: string[] } {
  const text = predictionPayload(prediction(1, { result }), 1, 'gate-3');
  const payload = JSON.parse(text) as Record<string, unknown>;
  return { payload, problems: check(payload as Json) };
}

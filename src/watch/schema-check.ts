/**
 * `edgepipe watch` checks received payloads against the shipped schema/prediction.schema.json with the project's
 * JSON Schema checker (src/config/json-schema-check.ts), which refuses keywords it does not implement: a future
 * schema change fails loudly at start instead of passing messages it no longer understands.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileJsonSchema, type Json, type JsonCheck, type JsonSchema } from '../config/json-schema-check.js';
import { packageRoot } from '../runtime/paths.js';

export type { Json };

/** Problems of one payload (empty when valid), as `$.path: expected X, got Y`, in document order. */
export type PayloadCheck = JsonCheck;

/** The checker for `schema`; throws naming the first keyword it does not implement and where. */
export function compileSchema(schema: JsonSchema, name = 'prediction schema'): PayloadCheck {
  return compileJsonSchema(schema, name);
}

/** The checker for the shipped schema/prediction.schema.json (or `file`). */
export function predictionSchemaCheck(file = path.join(packageRoot(), 'schema', 'prediction.schema.json')): PayloadCheck {
  return compileSchema(JSON.parse(readFileSync(file, 'utf8')) as JsonSchema, file);
}

import { describe, expect, it } from 'vitest';
import { compileSchema, predictionSchemaCheck, type Json } from '../../src/watch/schema-check.js';
import { edited, payload } from './payloads.js';

const check = predictionSchemaCheck();
const problems = (text: string): string[] => check(JSON.parse(text) as Json);

describe('watch: payload check against schema/prediction.schema.json', () => {
  it('accepts what the mqtt sink publishes (detect and scalar results too)', () => {
    expect(problems(payload(1))).toEqual([]);
    const detect = payload(2, 'cam', 'door', { result: { kind: 'detect', objects: [{ index: 0, label: 'person', score: 0.9, box: { x: 0, y: 0, width: 1, height: 1 } }] } });
    expect(problems(detect)).toEqual([]);
    expect(problems(payload(3, 'cam', 'door', { capturedWallMs: undefined }))).toEqual([]);
  });

  it('names the path, what was expected and what was received, one problem per broken payload', () => {
    const broken: Array<[string, (v: Record<string, unknown>) => void, string]> = [
      ['schema', (v) => (v['schema'] = 'edgepipe.prediction/2'), '$.schema: expected "edgepipe.prediction/1", got "edgepipe.prediction/2"'],
      ['seq type', (v) => (v['seq'] = '7'), '$.seq: expected integer, got string'],
      ['seq zero', (v) => (v['seq'] = 0), '$.seq: expected at least 1, got 0'],
      ['id', (v) => (v['id'] = 'not-a-uuid'), '$.id: expected a match for /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, got "not-a-uuid"'],
      ['missing', (v) => delete v['device'], '$.device: missing'],
      ['extra', (v) => (v['extra'] = 1), '$.extra: not allowed'],
      ['kind', (v) => (v['result'] = { kind: 'guess' }), '$.result.kind: expected one of "classify", "detect", "pose", "segment", "scalar", got "guess"'],
      ['item', (v) => (v['result'] = { kind: 'classify', classes: [{ index: 1 }] }), '$.result.classes[0].score: missing'],
      ['latency', (v) => (v['latency_ms'] = { queue: 0, preprocess: 0, infer: 0, postprocess: 0, total: 'slow' }), '$.latency_ms.total: expected number or null, got string'],
    ];
    for (const [name, edit, expected] of broken) {
      const text = edited(payload(1), edit);
      expect(problems(text), name).toEqual([expected]);
    }
  });

  it('refuses a schema with a keyword it does not implement instead of passing everything', () => {
    expect(() => compileSchema({ type: 'object', properties: { a: { type: 'string', format: 'date-time' } } })).toThrow(
      'prediction schema: keyword "format" at $.a is not supported',
    );
  });
});

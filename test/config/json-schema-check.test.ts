import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileJsonSchema, jsonSchemaErrors, type JsonSchema } from '../../src/config/json-schema-check.js';
import { pipelineJsonSchema } from '../../src/config/json-schema.js';
import { packageRoot } from '../../src/runtime/paths.js';

const schemaDir = path.join(packageRoot(), 'schema');
const variants: JsonSchema = {
  oneOf: [
    { type: 'object', required: ['kind'], additionalProperties: false, properties: { kind: { const: 'file' }, path: { type: 'string', minLength: 1 } } },
    { type: 'object', required: ['kind'], additionalProperties: false, properties: { kind: { const: 'mqtt' }, qos: { type: 'integer', maximum: 2 } } },
  ],
};

describe('JSON Schema checker', () => {
  it('compiles every shipped schema: none uses a keyword it does not implement', () => {
    for (const name of readdirSync(schemaDir).filter((n) => n.endsWith('.schema.json'))) {
      expect(() => compileJsonSchema(JSON.parse(readFileSync(path.join(schemaDir, name), 'utf8')) as JsonSchema, name), name).not.toThrow();
    }
    expect(() => compileJsonSchema(pipelineJsonSchema())).not.toThrow();
  });

  it('says what was expected and what was received for the bounds keywords', () => {
    const schema: JsonSchema = { type: 'object', properties: { n: { type: 'number', maximum: 2 }, list: { type: 'array', maxItems: 1, items: { type: 'string', minLength: 2 } } } };
    expect(jsonSchemaErrors(schema, { n: 3, list: ['a', 'bb'] })).toEqual(['$.n: expected at most 2, got 3', '$.list: expected at most 1 item, got 2', '$.list[0]: expected at least 2 characters, got "a"']);
  });

  it('checks extra properties against a schema in additionalProperties, and quotes keys that are not plain names', () => {
    const schema: JsonSchema = { type: 'object', additionalProperties: { type: 'integer' } };
    expect(jsonSchemaErrors(schema, { buffer: 1, 'infer error': 'x' })).toEqual(['$["infer error"]: expected integer, got string']);
  });

  it('compares const, enum and uniqueItems by value, not by reference or key order', () => {
    expect(jsonSchemaErrors({ const: { a: 1, b: [2] } }, { b: [2], a: 1 })).toEqual([]);
    expect(jsonSchemaErrors({ enum: [[1, 2]] }, [2, 1])).toEqual(['$: expected [1,2], got [2,1]']);
    expect(jsonSchemaErrors({ uniqueItems: true }, [{ a: 1, b: 2 }, { b: 2, a: 1 }])).toEqual(['$: expected unique items, got {"b":2,"a":1} at [0] and [1]']);
  });

  it('reports the problems of the alternative a oneOf value was meant for, picked by its const property', () => {
    expect(jsonSchemaErrors(variants, { kind: 'mqtt', qos: 3 })).toEqual(['$.qos: expected at most 2, got 3']);
    expect(jsonSchemaErrors(variants, { kind: 'file', qos: 1 })).toEqual(['$.qos: not allowed']);
    expect(jsonSchemaErrors(variants, { kind: 'ftp' })).toEqual(['$.kind: expected one of "file", "mqtt", got "ftp"']);
    expect(jsonSchemaErrors(variants, 'file')).toEqual(['$: expected object, got string']);
  });

  it('names the alternatives when a value matches more than one or none can be picked', () => {
    const overlapping: JsonSchema = { oneOf: [{ title: 'small', type: 'integer', maximum: 10 }, { title: 'even', type: 'integer', enum: [2, 4, 20] }] };
    expect(jsonSchemaErrors(overlapping, 4)).toEqual(['$: expected exactly one of small, even, got a value that matches small and even']);
    expect(jsonSchemaErrors(overlapping, 11)).toEqual(['$: expected small or even, got 11']);
    expect(jsonSchemaErrors(overlapping, 20)).toEqual([]);
  });

  it('refuses unknown keywords and unusable keyword values, naming the keyword and where it is', () => {
    const refused: Array<[JsonSchema, string]> = [
      [{ oneOf: [{ type: 'string', format: 'uri' }] }, 'test: keyword "format" at $(oneOf[0]) is not supported (edgepipe checks type, const, enum,'],
      [{ properties: { a: { items: { $ref: '#/x' } } } }, 'test: keyword "$ref" at $.a[] is not supported'],
      [{ additionalProperties: { anyOf: [] } }, 'test: keyword "anyOf" at $.* is not supported'],
      [{ properties: { a: { minimum: '1' } } }, 'test: keyword "minimum" at $.a must be a number, got "1"'],
      [{ type: 'text' }, 'test: keyword "type" at $ must be one or a list of object, array, string, number, integer, boolean, null, got "text"'],
      [{ items: [{ type: 'string' }] }, 'test: keyword "items" at $ must be a schema (the list form of items is not supported)'],
      [{ pattern: '[' }, 'test: keyword "pattern" at $ must be a valid regular expression'],
    ];
    for (const [schema, message] of refused) expect(() => compileJsonSchema(schema, 'test'), message).toThrow(message);
  });
});

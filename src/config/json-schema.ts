/**
 * JSON Schema (draft-07, what yaml-language-server and VS Code's YAML extension understand best) generated from
 * the schema DSL, shipped as schema/pipeline.schema.json so editors complete and check fields. A YAML file opts in
 * with a first line `# yaml-language-server: $schema=<relative path>/schema/pipeline.schema.json`.
 *
 * It cannot say everything the loader checks (cross-field rules, unique names across files, files existing), and
 * it flags `${NAME}` in number fields, which the loader accepts.
 */
import { formatValue } from './describe.js';
import type { EnumSchema, ObjectSchema, Schema } from './schema-dsl.js';
import { configFileSchema } from './schema.js';

/** The JSON Schema document: plain JSON data. */
export type JsonSchema = { [key: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Where the generated file lives, relative to the package root. */
export const jsonSchemaPath = 'schema/pipeline.schema.json';

/** The JSON Schema of a pipeline YAML file. */
export function pipelineJsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...convert(configFileSchema),
    title: 'edgepipe pipeline configuration',
    description:
      'A pipeline configuration file of edgepipe (generated from src/config/schema.ts; see docs/configuration.md). ' +
      'String values may contain ${NAME}, ${file:PATH} and ${credential:NAME} references.',
  };
}

/** The file's text: 2-space indented JSON with a final newline. */
export function renderPipelineJsonSchema(): string {
  return `${JSON.stringify(pipelineJsonSchema(), null, 2)}\n`;
}

function annotations(schema: Schema): JsonSchema {
  const out: JsonSchema = { description: describe(schema) };
  if (schema.default !== undefined) out['default'] = schema.default as JsonValue;
  if (schema.example !== undefined) out['examples'] = [schema.example as JsonValue];
  return out;
}

function describe(schema: Schema): string {
  const meanings = schema.type === 'enum' ? enumMeanings(schema) : '';
  return meanings ? `${schema.description} ${meanings}` : schema.description;
}

/** `fill: stretch to the input size; contain: ...` for the description of an enum. */
export function enumMeanings(schema: EnumSchema): string {
  const meanings = schema.meanings as Readonly<Record<string, string | undefined>> | undefined;
  if (!meanings) return '';
  return schema.values
    .filter((v) => meanings[String(v)])
    .map((v) => `${formatValue(v).replace(/"/g, '')}: ${meanings[String(v)]}`)
    .join('; ')
    .concat('.');
}

function convert(schema: Schema): JsonSchema {
  const base = annotations(schema);
  switch (schema.type) {
    case 'string': {
      // Unquoted numbers are taken as written (`classes: [person, 0]`), as the loader does.
      const out: JsonSchema = { type: ['string', 'number'], minLength: 1, ...base };
      if (schema.pattern) out['pattern'] = schema.pattern.source;
      if (schema.examples) out['examples'] = [...schema.examples];
      return out;
    }
    case 'number': {
      const numeric: JsonSchema = { type: schema.integer ? 'integer' : 'number' };
      if (schema.min !== undefined) numeric[schema.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = schema.min;
      if (schema.max !== undefined) numeric['maximum'] = schema.max;
      if (schema.keywords.length === 0) return { ...numeric, ...base };
      return { ...base, oneOf: [numeric, { type: 'string', enum: [...schema.keywords] }] };
    }
    case 'boolean':
      return { type: 'boolean', ...base };
    case 'enum':
      return { enum: [...schema.values], ...base };
    case 'list': {
      const out: JsonSchema = { type: 'array', ...base, items: convert(schema.items) };
      const min = schema.length ?? schema.minItems;
      const max = schema.length ?? schema.maxItems;
      if (min !== undefined) out['minItems'] = min;
      if (max !== undefined) out['maxItems'] = max;
      if (schema.unique) out['uniqueItems'] = true;
      return out;
    }
    case 'object': {
      const shorthand = schema.shorthand === undefined ? undefined : schema.fields[schema.shorthand];
      if (shorthand === undefined) return { title: schema.title, ...objectBody(schema), ...base };
      return { title: schema.title, ...base, oneOf: [objectBody(schema), convert(shorthand)] };
    }
    case 'union': {
      const kinds = Object.keys(schema.variants);
      return {
        title: schema.title,
        type: 'object',
        ...base,
        required: ['kind'],
        properties: { kind: { description: `The ${schema.title.toLowerCase()} type: ${kinds.join(', ')}.`, enum: kinds } },
        oneOf: Object.entries(schema.variants).map(([kind, variant]) => {
          const body = objectBody(variant, { kind: { const: kind, description: variant.description } });
          const required = ['kind', ...((body['required'] as string[] | undefined) ?? [])];
          return { title: variant.title, description: variant.description, ...body, required };
        }),
      };
    }
  }
}

function objectBody(schema: ObjectSchema, extra: JsonSchema = {}): JsonSchema {
  const properties: JsonSchema = { ...extra };
  for (const [key, field] of Object.entries(schema.fields)) properties[key] = convert(field);
  const required = Object.entries(schema.fields)
    .filter(([, field]) => field.presence === 'required')
    .map(([key]) => key);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

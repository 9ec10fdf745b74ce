/**
 * Checks received payloads against schema/prediction.schema.json with the subset of JSON Schema draft-07 that
 * file uses (type, const, enum, required, properties, additionalProperties: false, items, minimum, minLength,
 * pattern). compileSchema refuses a schema with any other keyword, so a future schema change fails loudly at
 * start instead of passing messages it no longer understands.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../runtime/paths.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

const annotations = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples']);
const keywords = new Set([...annotations, 'type', 'const', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'minimum', 'minLength', 'pattern']);

/** Problems of one payload (empty when valid), as `$.path: what`, in document order. */
export type PayloadCheck = (value: Json) => string[];

/** The checker for `schema`; throws naming the first keyword it does not implement. */
export function compileSchema(schema: Node): PayloadCheck {
  assertSupported(schema, '$');
  const patterns = new Map<string, RegExp>();
  const regex = (source: string): RegExp => {
    let re = patterns.get(source);
    if (!re) patterns.set(source, (re = new RegExp(source, 'u')));
    return re;
  };
  const check = (node: Node, value: Json, at: string, out: string[]): void => {
    const type = node['type'];
    const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type.map(String) : undefined;
    if (types && !types.some((t) => hasType(value, t))) {
      out.push(`${at}: expected ${types.join(' or ')}, got ${typeName(value)}`);
      return;
    }
    if ('const' in node && node['const'] !== value) out.push(`${at}: expected ${JSON.stringify(node['const'])}, got ${short(value)}`);
    const choices = node['enum'];
    if (Array.isArray(choices) && !choices.some((c) => c === value)) out.push(`${at}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${short(value)}`);
    if (typeof value === 'number' && typeof node['minimum'] === 'number' && value < node['minimum']) out.push(`${at}: ${value} is below ${node['minimum']}`);
    if (typeof value === 'string') {
      if (typeof node['minLength'] === 'number' && value.length < node['minLength']) out.push(`${at}: shorter than ${node['minLength']}`);
      if (typeof node['pattern'] === 'string' && !regex(node['pattern']).test(value)) out.push(`${at}: ${short(value)} does not match ${node['pattern']}`);
    }
    const items = node['items'];
    if (Array.isArray(value) && isObject(items)) value.forEach((item, i) => check(items, item, `${at}[${i}]`, out));
    if (isObject(value)) {
      const properties = isObject(node['properties']) ? node['properties'] : {};
      const required = Array.isArray(node['required']) ? node['required'] : [];
      for (const key of required) if (typeof key === 'string' && !(key in value)) out.push(`${at}.${key}: missing`);
      for (const [key, item] of Object.entries(value)) {
        const property = properties[key];
        if (isObject(property)) check(property, item, `${at}.${key}`, out);
        else if (node['additionalProperties'] === false) out.push(`${at}.${key}: not allowed`);
      }
    }
  };
  return (value) => {
    const out: string[] = [];
    check(schema, value, '$', out);
    return out;
  };
}

/** The checker for the shipped schema/prediction.schema.json. */
export function predictionSchemaCheck(file = path.join(packageRoot(), 'schema', 'prediction.schema.json')): PayloadCheck {
  return compileSchema(JSON.parse(readFileSync(file, 'utf8')) as Node);
}

function assertSupported(node: Node, at: string): void {
  for (const key of Object.keys(node)) if (!keywords.has(key)) throw new Error(`prediction schema: keyword "${key}" at ${at} is not supported by edgepipe watch`);
  const properties = node['properties'];
  if (isObject(properties)) for (const [key, child] of Object.entries(properties)) if (isObject(child)) assertSupported(child, `${at}.${key}`);
  const items = node['items'];
  if (isObject(items)) assertSupported(items, `${at}[]`);
}

function isObject(value: Json | undefined): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasType(value: Json, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function typeName(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

function short(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

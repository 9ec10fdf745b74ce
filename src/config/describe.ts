/**
 * Words for messages and docs: what a schema expects (`an integer between 1 and 1000`) and what a YAML value is
 * (`"strech"`, `0x10`, `an empty value`). Secrets (ScalarNode.secret) are never shown; other values from `${...}`
 * are shown with the reference (`"/opt/m.tflite" (from ${MODELS})`).
 */
import type { Schema } from './schema-dsl.js';
import type { TreeNode } from './yaml-tree.js';

/** A value in YAML form as people would write it in a message: strings quoted, numbers plain. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** What was found, for `received ...`. */
export function describeReceived(node: TreeNode): string {
  if (node.kind === 'map') return 'a map of fields';
  if (node.kind === 'list') return node.items.length === 0 ? 'an empty list' : `a list of ${node.items.length}`;
  if (node.secret) return node.refs ? `the value of ${node.refs.join(' + ')} (not shown)` : 'a value that is not shown (a secret field)';
  const from = node.refs ? ` (from ${node.refs.join(' + ')})` : '';
  if (node.value === null) return `an empty value${from}`;
  if (typeof node.value === 'string') return JSON.stringify(node.value.length > 60 ? `${node.value.slice(0, 57)}...` : node.value) + from;
  return (node.source || String(node.value)) + from;
}

function range(base: string, min: number | undefined, max: number | undefined, exclusiveMin: boolean | undefined): string {
  if (min !== undefined && max !== undefined) {
    return exclusiveMin ? `${base} greater than ${min} and at most ${max}` : `${base} between ${min} and ${max}`;
  }
  if (min !== undefined) return exclusiveMin ? `${base} greater than ${min}` : `${base} of ${min} or more`;
  if (max !== undefined) return `${base} of ${max} or less`;
  return base;
}

/** `an integer between 1 and 1000`, `one of fill, contain, cover`, `a list of 3 integers`. */
export function describeExpected(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      return schema.expected ?? (schema.path ? 'a path' : 'a string');
    case 'number': {
      const text = range(schema.integer ? 'an integer' : 'a number', schema.min, schema.max, schema.exclusiveMin);
      return schema.keywords.length > 0 ? `${text}, or ${schema.keywords.join(' or ')}` : text;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return schema.values.length === 1 ? formatValue(schema.values[0]) : `one of ${schema.values.join(', ')}`;
    case 'list':
      if (schema.expected) return schema.expected;
      if (schema.length !== undefined) return `a list of ${schema.length} ${pluralNoun(schema.items)}`;
      if (schema.minItems !== undefined && schema.maxItems !== undefined) {
        return `a list of ${schema.minItems} to ${schema.maxItems} ${pluralNoun(schema.items)}`;
      }
      return `a list of ${pluralNoun(schema.items)}`;
    case 'object': {
      const shorthand = schema.shorthand === undefined ? undefined : schema.fields[schema.shorthand];
      return shorthand === undefined ? 'a map of fields' : `a map of fields, or ${describeExpected(shorthand)}`;
    }
    case 'union':
      return `a map with a kind (${Object.keys(schema.variants).join(', ')})`;
  }
}

/** The plural noun for a list's items: `integers`, `delegate names`, `maps`. */
function pluralNoun(schema: Schema): string {
  switch (schema.type) {
    case 'string':
      return schema.plural ?? (schema.path ? 'paths' : 'strings');
    case 'number':
      return schema.integer ? 'integers' : 'numbers';
    case 'boolean':
      return 'true/false values';
    case 'enum':
      return 'values';
    case 'list':
      return 'lists';
    case 'object':
    case 'union':
      return 'maps';
  }
}

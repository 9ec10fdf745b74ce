/**
 * Where each field name belongs in a schema, to explain a field that is valid but in the wrong place (usually a
 * wrong indentation): `pipelines[0].top_k: unknown field here; top_k is a field of pipelines[0].postprocess`.
 */
import type { Schema } from './schema-dsl.js';

/** Field name -> generic YAML paths of the maps that have it (`pipelines[].postprocess`). */
export type FieldIndex = ReadonlyMap<string, readonly string[]>;

const cache = new WeakMap<Schema, FieldIndex>();

export function fieldIndex(root: Schema): FieldIndex {
  let index = cache.get(root);
  if (!index) {
    const map = new Map<string, string[]>();
    collect(root, '', map);
    index = map;
    cache.set(root, index);
  }
  return index;
}

function collect(schema: Schema, at: string, into: Map<string, string[]>): void {
  const add = (key: string): void => {
    const places = into.get(key) ?? [];
    if (!places.includes(at)) places.push(at);
    into.set(key, places);
  };
  if (schema.type === 'list') collect(schema.items, `${at}[]`, into);
  else if (schema.type === 'object') {
    for (const [key, field] of Object.entries(schema.fields)) {
      add(key);
      collect(field, at ? `${at}.${key}` : key, into);
    }
  } else if (schema.type === 'union') {
    for (const variant of Object.values(schema.variants)) collect(variant, at, into);
  }
}

/**
 * Fills the `[]` of a generic path with the indices of the path being checked where their prefixes agree:
 * (`pipelines[].postprocess`, `pipelines[2].model`) -> `pipelines[2].postprocess`.
 */
export function concretePath(generic: string, current: string): string {
  const parts = generic.split('[]');
  let out = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) {
    const match = current.startsWith(out) ? /^\[(\d+)\]/.exec(current.slice(out.length)) : null;
    out += `${match ? match[0] : '[]'}${parts[i]}`;
  }
  return out;
}

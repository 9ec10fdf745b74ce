/**
 * Where each field name belongs in a schema, to explain a field that is valid but in the wrong place (usually a
 * wrong indentation): `pipelines[0].top_k: unknown field here; top_k is a field of pipelines[0].postprocess`.
 */
import type { Schema } from './schema-dsl.js';

/**
 * A generic YAML path of a map that has the field (`pipelines[].postprocess`); for a field of some kinds of a
 * union only (`top_k` of classify), those kinds: the field belongs there only when the map has one of them.
 */
export interface FieldPlace {
  path: string;
  kinds?: readonly string[];
}

/** Field name -> the maps that have it. */
export type FieldIndex = ReadonlyMap<string, readonly FieldPlace[]>;

const cache = new WeakMap<Schema, FieldIndex>();

export function fieldIndex(root: Schema): FieldIndex {
  let index = cache.get(root);
  if (!index) {
    const map = new Map<string, FieldPlace[]>();
    collect(root, '', map, undefined);
    index = map;
    cache.set(root, index);
  }
  return index;
}

function collect(schema: Schema, at: string, into: Map<string, FieldPlace[]>, kind: string | undefined): void {
  const add = (key: string): void => {
    const places = into.get(key) ?? [];
    const same = places.find((place) => place.path === at);
    if (!same) places.push(kind === undefined ? { path: at } : { path: at, kinds: [kind] });
    else if (same.kinds && kind !== undefined && !same.kinds.includes(kind)) same.kinds = [...same.kinds, kind];
    into.set(key, places);
  };
  if (schema.type === 'list') collect(schema.items, `${at}[]`, into, undefined);
  else if (schema.type === 'object') {
    for (const [key, field] of Object.entries(schema.fields)) {
      add(key);
      collect(field, at ? `${at}.${key}` : key, into, undefined);
    }
  } else if (schema.type === 'union') {
    for (const [variantKind, variant] of Object.entries(schema.variants)) collect(variant, at, into, variantKind);
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

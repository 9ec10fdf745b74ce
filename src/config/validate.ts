/**
 * Walks a YAML tree along a schema: checks every value, fills defaults, converts keys to camelCase, resolves
 * paths and collects every problem (it never stops at the first). The result is typed from the schema (`Infer`).
 */
import { registerSecret } from '../runtime/secrets.js';
import { isSecretField } from './interpolate.js';
import { describeExpected, describeReceived } from './describe.js';
import { concretePath, fieldIndex } from './field-index.js';
import { ProblemList, type Position } from './problems.js';
import type { CamelCase, ListSchema, ObjectSchema, Schema, UnionSchema } from './schema-dsl.js';
import { closestMatch } from './suggest.js';
import {
  checkBoolean,
  checkEnum,
  checkNumber,
  checkString,
  invalid,
  type Checked,
  type ScalarContext,
  type Where,
} from './validate-scalar.js';
import type { TreeNode } from './yaml-tree.js';

export interface ValidationContext extends ScalarContext {
  /** The whole file's schema, to say where a misplaced field belongs. */
  root: Schema;
  /** Object paths (`pipelines[0].sinks[1].path`) of values that came from `${...}`. */
  secretPaths: string[];
  /** YAML path -> position of every value given in the file. */
  positions: Map<string, Position>;
  /** YAML path of each union map checked so far -> its kind, so a misplaced field is only sent where it fits. */
  kinds?: Map<string, string>;
}

export function camelCase<S extends string>(key: S): CamelCase<S> {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<S>;
}

const join = (base: string, key: string): string => (base ? `${base}.${key}` : key);

/** Where the value of field `key` (YAML spelling) of the value at `where` is. */
const field = (where: Where, key: string, node: TreeNode): Where => ({ yaml: join(where.yaml, key), obj: join(where.obj, camelCase(key)), node });
const item = (where: Where, index: number, node: TreeNode): Where => ({ yaml: `${where.yaml}[${index}]`, obj: `${where.obj}[${index}]`, node });
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Validates `node` against `schema`: the value has the type `Infer<typeof schema>` (the caller names it: a generic
 * signature here would make TypeScript expand every schema type), or undefined when there were problems (all
 * reported in `context`).
 */
export function validateTree(schema: Schema, node: TreeNode, context: ValidationContext): unknown {
  const value = check(schema, { yaml: '', obj: '', node }, node.pos, context);
  return value === invalid ? undefined : value;
}

/**
 * Validates the value at YAML path `yaml` (object path `obj`) of a file already validated as a whole, without
 * reporting: the value when it is valid on its own, else undefined. The checks of the parts that are valid (the model
 * of a pipeline whose preprocess is wrong) use it so that one pass reports every problem.
 */
export function validatePart(schema: Schema, node: TreeNode, yaml: string, obj: string, context: ValidationContext): unknown {
  const quiet = { ...context, problems: new ProblemList(''), positions: new Map<string, Position>() };
  const value = check(schema, { yaml, obj, node }, node.pos, quiet);
  return value === invalid ? undefined : value;
}

/** `anchor`: where to report a missing field of this value (its key, or the list item). */
function check(schema: Schema, where: Where, anchor: Position, context: ValidationContext): Checked<unknown> {
  const node = where.node;
  if (node.kind === 'scalar' && node.failed) return invalid;
  // Passwords, keys and tokens are secrets however written; a path to a key file is not (messages must name it).
  if (node.kind === 'scalar' && node.value !== null && isSecretField(where.yaml) && !(schema.type === 'string' && schema.path)) {
    node.secret = true;
    registerSecret(String(node.value));
  }
  if (node.kind === 'scalar' || schema.type === 'list' || schema.type === 'object' || schema.type === 'union') {
    context.positions.set(where.yaml, node.pos);
  }
  let value: Checked<unknown>;
  switch (schema.type) {
    case 'string':
      value = checkString(schema, where, context);
      break;
    case 'number':
      value = checkNumber(schema, where, context);
      break;
    case 'boolean':
      value = checkBoolean(schema, where, context);
      break;
    case 'enum':
      value = checkEnum(schema, where, context);
      break;
    case 'list':
      return checkList(schema, where, context);
    case 'object':
      return checkObject(schema, where, anchor, context);
    case 'union':
      return checkUnion(schema, where, anchor, context);
  }
  if (value !== invalid && node.kind === 'scalar' && node.secret) context.secretPaths.push(where.obj);
  return value;
}

function checkList(schema: ListSchema, where: Where, context: ValidationContext): Checked<unknown[]> {
  const node = where.node;
  if (node.kind !== 'list') {
    // `delegates: edgetpu` for `delegates: [edgetpu]`: say so when the single value would be a valid item.
    const quiet = { ...context, problems: new ProblemList(''), secretPaths: [], positions: new Map() };
    const single = node.kind === 'scalar' && !node.refs && check(schema.items, where, node.pos, quiet) !== invalid;
    const hint = single ? { value: `[${node.source}]`, text: `write a list: [${node.source}]` } : undefined;
    context.problems.mismatch(node.pos, where.yaml, describeExpected(schema), describeReceived(node), hint);
    return invalid;
  }
  const items = node.items.map((child, i) => check(schema.items, item(where, i, child), child.pos, context));
  if (items.includes(invalid)) return invalid;
  const count = items.length;
  const what = `received ${count === 0 ? 'an empty list' : `a list of ${count}`}`;
  if (schema.length !== undefined && count !== schema.length) {
    return lengthProblem(context, where, `expected ${describeExpected(schema)}, ${what}`);
  }
  if (schema.minItems !== undefined && count < schema.minItems) {
    return lengthProblem(context, where, `expected at least ${plural(schema.minItems, 'item')}, ${what}`);
  }
  if (schema.maxItems !== undefined && count > schema.maxItems) {
    return lengthProblem(context, where, `expected at most ${plural(schema.maxItems, 'item')}, ${what}`);
  }
  if (schema.unique) {
    const seen = items.map((item) => JSON.stringify(item));
    const repeated = seen.findIndex((item, i) => seen.indexOf(item) !== i);
    if (repeated >= 0) {
      const first = `${where.yaml.split('.').pop()}[${seen.indexOf(seen[repeated]!)}]`;
      context.problems.add(node.items[repeated]!.pos, `${where.yaml}[${repeated}]`, `repeats ${first}; each value may appear once`);
      return invalid;
    }
  }
  return schema.normalise ? schema.normalise(items) : items;
}

function lengthProblem(context: ValidationContext, where: Where, message: string): typeof invalid {
  context.problems.add(where.node.pos, where.yaml, message);
  return invalid;
}

function checkUnion(schema: UnionSchema, where: Where, anchor: Position, context: ValidationContext): Checked<unknown> {
  const node = where.node;
  const kinds = Object.keys(schema.variants);
  if (node.kind !== 'map') {
    context.problems.mismatch(node.pos, where.yaml, describeExpected(schema), describeReceived(node));
    return invalid;
  }
  const entry = node.entries.find((e) => e.key === 'kind');
  const kindPath = join(where.yaml, 'kind');
  if (!entry) {
    const expected = `one of ${kinds.join(', ')}`;
    context.problems.add(anchor, kindPath, `missing required field; expected ${expected}`, { expected });
    return invalid;
  }
  const kindSchema = { type: 'enum', values: kinds, presence: 'required', description: '' } as const;
  const kind = check(kindSchema, field(where, 'kind', entry.value), entry.keyPos, context);
  if (kind === invalid) return invalid;
  context.kinds ??= new Map();
  context.kinds.set(where.yaml, String(kind));
  const variant = schema.variants[String(kind)]!;
  const fields = checkObject(variant, where, anchor, context, { kind: String(kind), union: schema });
  return fields === invalid ? invalid : { kind, ...fields };
}

interface VariantOf {
  kind: string;
  union: UnionSchema;
}

function checkObject(
  schema: ObjectSchema,
  where: Where,
  anchor: Position,
  context: ValidationContext,
  variantOf?: VariantOf,
): Checked<Record<string, unknown>> {
  const node = where.node;
  const shorthand = schema.shorthand === undefined ? undefined : schema.fields[schema.shorthand];
  if (node.kind !== 'map' && shorthand !== undefined) {
    const value = check(shorthand, where, anchor, context);
    return value === invalid ? invalid : { [camelCase(schema.shorthand!)]: value };
  }
  if (node.kind !== 'map') {
    context.problems.mismatch(node.pos, where.yaml, describeExpected(schema), describeReceived(node));
    return invalid;
  }
  const out: Record<string, unknown> = {};
  let ok = true;
  const suggested = new Set<string>();
  for (const entry of node.entries) {
    if (variantOf && entry.key === 'kind') continue;
    const fieldSchema = schema.fields[entry.key];
    if (!fieldSchema) {
      const suggestion = unknownField(schema, entry.key, entry.keyPos, join(where.yaml, entry.key), context, variantOf);
      if (suggestion) suggested.add(suggestion);
      ok = false;
      continue;
    }
    const value = check(fieldSchema, field(where, entry.key, entry.value), entry.keyPos, context);
    if (value === invalid) ok = false;
    else out[camelCase(entry.key)] = value;
  }
  for (const [key, fieldSchema] of Object.entries(schema.fields)) {
    if (node.entries.some((e) => e.key === key)) continue;
    // `pipeline:` for `pipelines:` is one mistake, reported once (as the misspelling).
    if (fieldSchema.presence === 'required' && suggested.has(key)) continue;
    if (fieldSchema.presence === 'required') {
      const expected = describeExpected(fieldSchema);
      context.problems.add(anchor, join(where.yaml, key), `missing required field; expected ${expected}`, { expected });
      ok = false;
      continue;
    }
    const by = fieldSchema.defaultBy;
    const fallback = by ? by.values[String(out[camelCase(by.field)])] : fieldSchema.default;
    if (fallback === undefined) continue;
    const value = check(fieldSchema, field(where, key, toTree(fallback, anchor)), anchor, context);
    if (value === invalid) ok = false;
    else out[camelCase(key)] = value;
  }
  if (!ok) return invalid;
  // Schema order, not file order: dumps and logs read the same whatever order a person wrote the fields in.
  const ordered = Object.fromEntries(
    Object.keys(schema.fields)
      .map(camelCase)
      .filter((key) => key in out)
      .map((key) => [key, out[key]]),
  );
  for (const rule of schema.checks) {
    rule.run(ordered as never, (key, message) => {
      const fieldPath = key ? join(where.yaml, key) : where.yaml;
      context.problems.add(context.positions.get(fieldPath) ?? anchor, fieldPath, message);
      ok = false;
    });
  }
  return ok ? ordered : invalid;
}

/** Reports an unknown field; returns the field name it suggests instead, if any. */
function unknownField(
  schema: ObjectSchema,
  key: string,
  pos: Position,
  path: string,
  context: ValidationContext,
  variantOf?: VariantOf,
): string | undefined {
  const names = Object.keys(schema.fields);
  const close = closestMatch(key, names);
  if (close) {
    context.problems.add(pos, path, `unknown field; did you mean "${close}"?`, { suggestion: close });
    return close;
  }
  const variants = Object.entries(variantOf?.union.variants ?? {});
  const otherKind = variants.find(([kind, variant]) => kind !== variantOf?.kind && key in variant.fields)?.[0];
  if (otherKind) {
    context.problems.add(pos, path, `unknown field for kind ${variantOf?.kind}; ${key} belongs to kind ${otherKind}`);
    return undefined;
  }
  const here = path.slice(0, path.length - key.length - 1);
  const places = key === 'kind' ? [] : (fieldIndex(context.root).get(key) ?? []);
  // A wrong indentation moves a field within its section, never from a pipeline's sink to runtime.log.
  const section = (place: string): string => /^[a-z_]*/.exec(place)![0];
  const fits = (place: string, kinds: readonly string[] | undefined): boolean => {
    const kindThere = context.kinds?.get(place);
    return !kinds || kindThere === undefined || kinds.includes(kindThere);
  };
  const elsewhere = places
    .map((generic) => ({ place: concretePath(generic.path, path), kinds: generic.kinds }))
    .filter(({ place, kinds }) => place !== here && (here === '' || place === '' || section(place) === section(here)) && fits(place, kinds))
    .map(({ place }) => place)
    .filter((place, i, all) => all.indexOf(place) === i);
  if (elsewhere.length > 0) {
    context.problems.add(pos, path, `unknown field here; ${key} is a field of ${elsewhere.join(' and ')} (check the indentation)`);
    return undefined;
  }
  if (variantOf && names.length === 0) {
    // `Sink: stdout` -> `a stdout sink takes only kind`
    context.problems.add(pos, path, `unknown field; a ${variantOf.kind} ${schema.title.split(':')[0]!.toLowerCase()} takes only kind`);
    return undefined;
  }
  const valid = variantOf ? ['kind', ...names] : names;
  context.problems.add(pos, path, valid.length > 0 ? `unknown field; valid fields here: ${valid.join(', ')}` : 'unknown field; none are valid here');
  return undefined;
}

/** A default (YAML form) as a tree at `pos`, so it is checked and converted like a value from the file. */
function toTree(value: unknown, pos: Position): TreeNode {
  if (Array.isArray(value)) return { kind: 'list', pos, items: value.map((v) => toTree(v, pos)) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'map', pos, entries: Object.entries(value).map(([key, v]) => ({ key, keyPos: pos, value: toTree(v, pos) })) };
  }
  const scalar = value as string | number | boolean | null;
  return { kind: 'scalar', pos, value: scalar, source: String(scalar), quoted: false };
}

/**
 * A checker for the subset of JSON Schema draft-07 that edgepipe's own schemas use: the pipeline schema that
 * json-schema.ts emits and the MQTT payload schemas in schema/. `edgepipe watch` checks received payloads with it;
 * the tests check the shipped schemas against what the loader and the sinks produce.
 *
 * compileJsonSchema refuses a schema with any other keyword (or a keyword with a value it cannot use), so a schema
 * change that needs more fails loudly at start instead of silently passing values the checker no longer
 * understands. Problems read `$.path: expected X, got Y`, the path style of the config loader.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** One schema node: plain JSON data. */
export type JsonSchema = { [key: string]: Json };
/** Problems of one value (empty when valid), as `$.path: what`, in document order. */
export type JsonCheck = (value: Json) => string[];

type Shape = 'any' | 'count' | 'number' | 'string' | 'true-or-false' | 'types' | 'list' | 'names' | 'schemas' | 'schema-map' | 'schema' | 'schema-or-false' | 'pattern';
const keywords: Record<string, Shape> = {
  $schema: 'any', $id: 'any', $comment: 'any', title: 'any', description: 'any', default: 'any', examples: 'any',
  type: 'types', const: 'any', enum: 'list', required: 'names', properties: 'schema-map', additionalProperties: 'schema-or-false',
  items: 'schema', minItems: 'count', maxItems: 'count', uniqueItems: 'true-or-false', minimum: 'number', maximum: 'number',
  exclusiveMinimum: 'number', minLength: 'count', pattern: 'pattern', oneOf: 'schemas',
};
const checked = Object.keys(keywords).filter((k) => keywords[k] !== 'any' || k === 'const');
const jsonTypes = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const compiled = new WeakMap<JsonSchema, JsonCheck>();

/**
 * The checker for `schema`. Throws naming the first keyword it does not implement and where it is (as a value
 * path: `.key` for properties, `[]` for items, `.*` for additionalProperties, `(oneOf[i])` for an alternative);
 * `name` (a file, say) starts that message.
 */
export function compileJsonSchema(schema: JsonSchema, name = 'JSON Schema'): JsonCheck {
  const patterns = new Map<string, RegExp>();
  try {
    assertSupported(schema, '$', patterns);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
  return (value) => {
    const out: string[] = [];
    check(schema, value, '$', out, patterns);
    return out;
  };
}

/** Problems of `value` against `schema` (compiled once per schema object); throws like compileJsonSchema. */
export function jsonSchemaErrors(schema: JsonSchema, value: Json): string[] {
  let run = compiled.get(schema);
  if (!run) compiled.set(schema, (run = compileJsonSchema(schema)));
  return run(value);
}

function check(node: JsonSchema, value: Json, at: string, out: string[], patterns: Map<string, RegExp>): void {
  const types = typesOf(node);
  if (types && !types.some((t) => hasType(value, t))) {
    out.push(`${at}: expected ${types.join(' or ')}, got ${typeName(value)}`);
    return;
  }
  if ('const' in node && canonical(node['const']!) !== canonical(value)) out.push(`${at}: expected ${short(node['const']!)}, got ${short(value)}`);
  const choices = node['enum'];
  if (Array.isArray(choices) && !choices.some((c) => canonical(c) === canonical(value))) out.push(`${at}: expected ${oneOfText(choices)}, got ${short(value)}`);
  if (typeof value === 'number') {
    const { minimum, maximum, exclusiveMinimum } = node;
    if (typeof minimum === 'number' && value < minimum) out.push(`${at}: expected at least ${minimum}, got ${value}`);
    if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum) out.push(`${at}: expected more than ${exclusiveMinimum}, got ${value}`);
    if (typeof maximum === 'number' && value > maximum) out.push(`${at}: expected at most ${maximum}, got ${value}`);
  }
  if (typeof value === 'string') {
    const { minLength, pattern } = node;
    if (typeof minLength === 'number' && value.length < minLength) out.push(`${at}: expected at least ${count(minLength, 'character')}, got ${short(value)}`);
    if (typeof pattern === 'string' && !patterns.get(pattern)!.test(value)) out.push(`${at}: expected a match for /${pattern}/, got ${short(value)}`);
  }
  if (Array.isArray(value)) checkArray(node, value, at, out, patterns);
  if (isObject(value)) checkObject(node, value, at, out, patterns);
  const options = node['oneOf'];
  if (Array.isArray(options)) checkOneOf(options.filter(isObject), value, at, out, patterns);
}

function checkArray(node: JsonSchema, value: Json[], at: string, out: string[], patterns: Map<string, RegExp>): void {
  const { minItems, maxItems, items } = node;
  if (typeof minItems === 'number' && value.length < minItems) out.push(`${at}: expected at least ${count(minItems, 'item')}, got ${value.length}`);
  if (typeof maxItems === 'number' && value.length > maxItems) out.push(`${at}: expected at most ${count(maxItems, 'item')}, got ${value.length}`);
  if (node['uniqueItems'] === true) {
    const seen = new Map<string, number>();
    for (const [i, item] of value.entries()) {
      const first = seen.get(canonical(item));
      if (first !== undefined) {
        out.push(`${at}: expected unique items, got ${short(item)} at [${first}] and [${i}]`);
        break;
      }
      seen.set(canonical(item), i);
    }
  }
  if (isObject(items)) value.forEach((item, i) => check(items, item, `${at}[${i}]`, out, patterns));
}

function checkObject(node: JsonSchema, value: JsonSchema, at: string, out: string[], patterns: Map<string, RegExp>): void {
  const properties = isObject(node['properties']) ? node['properties'] : {};
  const required = Array.isArray(node['required']) ? node['required'] : [];
  const extra = node['additionalProperties'];
  for (const key of required) if (typeof key === 'string' && !(key in value)) out.push(`${child(at, key)}: missing`);
  for (const [key, item] of Object.entries(value)) {
    const property = Object.hasOwn(properties, key) ? properties[key] : undefined;
    if (isObject(property)) check(property, item, child(at, key), out, patterns);
    else if (extra === false) out.push(`${child(at, key)}: not allowed`);
    else if (isObject(extra)) check(extra, item, child(at, key), out, patterns);
  }
}

/**
 * Exactly one alternative must match. When none does, the problems of the alternative the value was meant for
 * (picked by a `const` property such as `kind`, else by type) say more than "matches none", so those are reported.
 */
function checkOneOf(options: JsonSchema[], value: Json, at: string, out: string[], patterns: Map<string, RegExp>): void {
  const results = options.map((option) => {
    const problems: string[] = [];
    check(option, value, at, problems, patterns);
    return problems;
  });
  const matching = options.filter((_, i) => results[i]!.length === 0);
  if (matching.length === 1) return;
  if (matching.length > 1) {
    out.push(`${at}: expected exactly one of ${options.map(label).join(', ')}, got a value that matches ${matching.map(label).join(' and ')}`);
    return;
  }
  const key = discriminator(options);
  if (key !== undefined && isObject(value) && key in value) {
    const meant = options.findIndex((option) => canonical(constOf(option, key)!) === canonical(value[key]!));
    if (meant >= 0) out.push(...results[meant]!);
    else out.push(`${child(at, key)}: expected ${oneOfText(options.map((option) => constOf(option, key)!))}, got ${short(value[key]!)}`);
    return;
  }
  const typed = options.map((option, i) => ({ types: typesOf(option), i })).filter(({ types }) => !types || types.some((t) => hasType(value, t)));
  if (typed.length === 1) out.push(...results[typed[0]!.i]!);
  else if (typed.length === 0) out.push(`${at}: expected ${[...new Set(options.flatMap((option) => typesOf(option) ?? []))].join(' or ')}, got ${typeName(value)}`);
  else out.push(`${at}: expected ${typed.map(({ i }) => label(options[i]!)).join(' or ')}, got ${short(value)}`);
}

/** The property every alternative fixes to a different `const` (the `kind` of a source, say), if there is one. */
function discriminator(options: JsonSchema[]): string | undefined {
  const first = options[0]?.['properties'];
  if (!isObject(first)) return undefined;
  return Object.keys(first).find((key) => {
    const values = options.map((option) => constOf(option, key));
    return values.every((v) => v !== undefined) && new Set(values.map((v) => canonical(v!))).size === options.length;
  });
}

function constOf(option: JsonSchema, key: string): Json | undefined {
  const properties = option['properties'];
  const property = isObject(properties) ? properties[key] : undefined;
  return isObject(property) && 'const' in property ? property['const'] : undefined;
}

function label(option: JsonSchema): string {
  if (typeof option['title'] === 'string') return option['title'];
  if ('const' in option) return short(option['const']!);
  if (Array.isArray(option['enum'])) return oneOfText(option['enum']);
  return typesOf(option)?.join(' or ') ?? 'any value';
}

function assertSupported(node: JsonSchema, at: string, patterns: Map<string, RegExp>): void {
  for (const [key, value] of Object.entries(node)) {
    const shape = keywords[key];
    if (!shape) throw new Error(`keyword "${key}" at ${at} is not supported (edgepipe checks ${checked.join(', ')})`);
    const problem = shapeProblem(shape, value);
    if (problem) throw new Error(`keyword "${key}" at ${at} must be ${problem}, got ${short(value)}`);
    if (shape === 'pattern') patterns.set(value as string, new RegExp(value as string, 'u'));
  }
  const { properties, items, additionalProperties, oneOf } = node;
  if (isObject(properties)) for (const [key, property] of Object.entries(properties)) assertSupported(property as JsonSchema, child(at, key), patterns);
  if (isObject(items)) assertSupported(items, `${at}[]`, patterns);
  if (isObject(additionalProperties)) assertSupported(additionalProperties, `${at}.*`, patterns);
  if (Array.isArray(oneOf)) oneOf.forEach((option, i) => assertSupported(option as JsonSchema, `${at}(oneOf[${i}])`, patterns));
}

function shapeProblem(shape: Shape, value: Json): string | undefined {
  switch (shape) {
    case 'count':
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : 'a whole number of 0 or more';
    case 'number':
      return typeof value === 'number' ? undefined : 'a number';
    case 'true-or-false':
      return typeof value === 'boolean' ? undefined : 'true or false';
    case 'types': {
      const list = Array.isArray(value) ? value : [value];
      return list.length > 0 && list.every((t) => typeof t === 'string' && jsonTypes.has(t)) ? undefined : `one or a list of ${[...jsonTypes].join(', ')}`;
    }
    case 'list':
      return Array.isArray(value) && value.length > 0 ? undefined : 'a non-empty list';
    case 'names':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'a list of property names';
    case 'schemas':
      return Array.isArray(value) && value.length > 0 && value.every(isObject) ? undefined : 'a non-empty list of schemas';
    case 'schema-map':
      return isObject(value) && Object.values(value).every(isObject) ? undefined : 'an object of schemas';
    case 'schema':
      return isObject(value) ? undefined : 'a schema (the list form of items is not supported)';
    case 'schema-or-false':
      return value === false || value === true || isObject(value) ? undefined : 'false, true or a schema';
    case 'pattern':
      if (typeof value !== 'string') return 'a regular expression';
      try {
        new RegExp(value, 'u');
        return undefined;
      } catch (error) {
        return `a valid regular expression (${(error as Error).message})`;
      }
    default:
      return undefined;
  }
}

function typesOf(node: JsonSchema): string[] | undefined {
  const type = node['type'];
  return typeof type === 'string' ? [type] : Array.isArray(type) ? type.map(String) : undefined;
}

function isObject(value: Json | undefined): value is JsonSchema {
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

/** `$.a.b` for plain keys, `$["a b"]` for the rest, so a path always reads back to one property. */
function child(at: string, key: string): string {
  return /^[A-Za-z_][\w-]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`;
}

/** JSON with sorted keys: equal values (draft-07 `const`, `enum`, `uniqueItems`) give equal text. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key]!)}`).join(',')}}`;
  return JSON.stringify(value);
}

function oneOfText(choices: Json[]): string {
  return choices.length === 1 ? short(choices[0]!) : `one of ${choices.map(short).join(', ')}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A received value as JSON, cut at 40 characters so one bad payload cannot flood a watch screen. */
function short(value: Json): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

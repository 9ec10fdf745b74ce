/**
 * A checker for the subset of JSON Schema draft-07 that src/config/json-schema.ts emits (type, enum, const,
 * properties, required, additionalProperties: false, items, min/maxItems, uniqueItems, minimum, maximum,
 * exclusiveMinimum, minLength, pattern, oneOf), so tests can show that the shipped schema accepts what the
 * loader accepts. Unknown keywords fail loudly rather than pass silently.
 */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type SchemaNode = { [key: string]: Json };

const annotations = new Set(['$schema', 'title', 'description', 'default', 'examples']);
const known = new Set([...annotations, 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'uniqueItems', 'minimum', 'maximum', 'exclusiveMinimum', 'minLength', 'pattern', 'oneOf']);

/** Errors of `value` against `schema` (empty when valid), as `path: what`. */
export function jsonSchemaErrors(schema: SchemaNode, value: Json, at = '$'): string[] {
  for (const key of Object.keys(schema)) if (!known.has(key)) throw new Error(`unsupported keyword ${key} at ${at}`);
  const errors: string[] = [];
  const type = schema['type'];
  if (typeof type === 'string' && !hasType(value, type)) return [`${at}: not ${type}`];
  if (Array.isArray(type) && !type.some((t) => hasType(value, String(t)))) return [`${at}: not ${type.join(' or ')}`];
  if (Array.isArray(schema['enum']) && !schema['enum'].some((v) => v === value)) errors.push(`${at}: not in enum`);
  if ('const' in schema && schema['const'] !== value) errors.push(`${at}: not ${String(schema['const'])}`);
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) errors.push(`${at}: below minimum`);
    if (typeof schema['exclusiveMinimum'] === 'number' && value <= schema['exclusiveMinimum']) errors.push(`${at}: not above exclusiveMinimum`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) errors.push(`${at}: above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) errors.push(`${at}: too short`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) errors.push(`${at}: does not match pattern`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) errors.push(`${at}: too few items`);
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems']) errors.push(`${at}: too many items`);
    if (schema['uniqueItems'] === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${at}: repeated items`);
    const items = schema['items'];
    if (items && typeof items === 'object' && !Array.isArray(items)) value.forEach((item, i) => errors.push(...jsonSchemaErrors(items, item, `${at}[${i}]`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const properties = (schema['properties'] ?? {}) as { [key: string]: SchemaNode };
    for (const key of (schema['required'] ?? []) as string[]) if (!(key in value)) errors.push(`${at}.${key}: required`);
    for (const [key, item] of Object.entries(value)) {
      const property = properties[key];
      if (property) errors.push(...jsonSchemaErrors(property, item, `${at}.${key}`));
      else if (schema['additionalProperties'] === false) errors.push(`${at}.${key}: not allowed`);
    }
  }
  if (Array.isArray(schema['oneOf'])) {
    const matching = schema['oneOf'].filter((option) => jsonSchemaErrors(option as SchemaNode, value, at).length === 0).length;
    if (matching !== 1) errors.push(`${at}: matches ${matching} of oneOf`);
  }
  return errors;
}

function hasType(value: Json, type: string): boolean {
  switch (type) {
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
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

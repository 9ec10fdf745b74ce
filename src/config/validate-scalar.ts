/**
 * Validation of single values (strings, paths, numbers, booleans, enum values) against their schema, with the
 * suggestions people need: `did you mean "fill"?`, `did you mean 5 (without quotes)?`, `did you mean true?`.
 */
import path from 'node:path';
import { describeExpected, describeReceived, formatValue } from './describe.js';
import type { ProblemList, Suggestion } from './problems.js';
import type { BooleanSchema, EnumSchema, NumberSchema, StringSchema } from './schema-dsl.js';
import { envLedPath } from './interpolate.js';
import { closestMatch } from './suggest.js';
import type { ScalarNode, TreeNode } from './yaml-tree.js';

/** Marks a value that failed validation (its problem is already reported). */
export const invalid: unique symbol = Symbol('invalid');
export type Checked<T> = T | typeof invalid;

/** Where a value is: YAML path for messages, object path for secretPaths, position for problems. */
export interface Where {
  yaml: string;
  obj: string;
  node: TreeNode;
}

export interface ScalarContext {
  problems: ProblemList;
  /** The YAML file's folder: relative paths resolve against it, but those led by `${NAME}` (envLedPath)... */
  dir: string;
  /** ... against this folder (default process.cwd()). */
  cwd?: string;
}

const didYouMean = (value: string | number | boolean, note = ''): Suggestion => ({
  value: String(value),
  text: `did you mean ${formatValue(value)}${note}?`,
});

const withoutQuotes = (value: number | boolean): Suggestion => didYouMean(value, ' (without quotes)');

const numeric = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function mismatch(context: ScalarContext, where: Where, expected: string, suggestion?: Suggestion): typeof invalid {
  context.problems.mismatch(where.node.pos, where.yaml, expected, describeReceived(where.node), suggestion);
  return invalid;
}

/** Quoted numbers and booleans (`"5"`, `"true"`) as their YAML values, for suggestions. */
function unquoted(node: ScalarNode): number | boolean | undefined {
  if (typeof node.value !== 'string' || !node.quoted || node.refs) return undefined;
  if (numeric.test(node.value.trim())) return Number(node.value);
  if (node.value === 'true' || node.value === 'false') return node.value === 'true';
  return undefined;
}

export function checkString(schema: StringSchema, where: Where, context: ScalarContext): Checked<string> {
  const node = where.node;
  const expected = describeExpected(schema);
  if (node.kind !== 'scalar' || node.value === null || typeof node.value === 'boolean') return mismatch(context, where, expected);
  // An unquoted number where text is expected (`name: 2024`, `classes: [0, 2]`) is taken as written.
  const text = typeof node.value === 'number' ? node.source : node.value;
  if (text === '') return mismatch(context, where, expected);
  if (schema.pattern && !schema.pattern.test(text)) {
    const fixed = node.refs ? undefined : schema.fix?.(text);
    return mismatch(context, where, expected, fixed ? didYouMean(fixed) : undefined);
  }
  if (!schema.path) return text;
  if (text.startsWith('~')) {
    const message = '"~" is not expanded here; write the full path (e.g. /home/pi/...) or one relative to this file';
    context.problems.add(node.pos, where.yaml, message, { received: describeReceived(node), expected });
    return invalid;
  }
  return path.resolve(envLedPath(node.template) ? (context.cwd ?? process.cwd()) : context.dir, text);
}

export function checkNumber(schema: NumberSchema, where: Where, context: ScalarContext): Checked<number | string> {
  const node = where.node;
  const expected = describeExpected(schema);
  if (node.kind !== 'scalar') return mismatch(context, where, expected);
  let value = node.value;
  if (typeof value === 'string' && schema.keywords.includes(value)) return value;
  // A whole value from ${...} is text; `threads: ${THREADS}` should still work.
  if (typeof value === 'string' && node.refs && numeric.test(value.trim())) value = Number(value);
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!schema.integer || Number.isInteger(value)) &&
    (schema.min === undefined || (schema.exclusiveMin ? value > schema.min : value >= schema.min)) &&
    (schema.max === undefined || value <= schema.max);
  if (ok) return value as number;
  const plain = unquoted(node);
  if (typeof plain === 'number' && typeof value === 'string') return mismatch(context, where, expected, withoutQuotes(plain));
  if (typeof value === 'string' && !node.refs) {
    const keyword = closestMatch(value, schema.keywords);
    if (keyword) return mismatch(context, where, expected, didYouMean(keyword));
  }
  return mismatch(context, where, expected);
}

const truthy = ['yes', 'y', 'on', 'enabled', 'enable', '1'];
const falsy = ['no', 'n', 'off', 'disabled', 'disable', '0'];

export function checkBoolean(schema: BooleanSchema, where: Where, context: ScalarContext): Checked<boolean> {
  const node = where.node;
  const expected = describeExpected(schema);
  if (node.kind !== 'scalar') return mismatch(context, where, expected);
  if (typeof node.value === 'boolean') return node.value;
  if (node.refs && (node.value === 'true' || node.value === 'false')) return node.value === 'true';
  if (node.refs) return mismatch(context, where, expected);
  const plain = unquoted(node);
  if (typeof plain === 'boolean') return mismatch(context, where, expected, withoutQuotes(plain));
  const word = String(node.value).toLowerCase();
  if (truthy.includes(word)) return mismatch(context, where, expected, didYouMean(true));
  if (falsy.includes(word)) return mismatch(context, where, expected, didYouMean(false));
  return mismatch(context, where, expected);
}

export function checkEnum(schema: EnumSchema, where: Where, context: ScalarContext): Checked<string | number> {
  const node = where.node;
  const expected = describeExpected(schema);
  if (node.kind !== 'scalar' || node.value === null) return mismatch(context, where, expected);
  const value = node.value;
  const direct = schema.values.find((v) => v === value || (node.refs && String(v) === value));
  if (direct !== undefined) return direct;
  if (node.refs) return mismatch(context, where, expected);
  const synonyms = schema.synonyms ?? {};
  const text = String(value);
  const plain = unquoted(node);
  if (plain !== undefined && schema.values.includes(plain as never)) return mismatch(context, where, expected, withoutQuotes(plain));
  const synonym = synonyms[text] ?? synonyms[text.toLowerCase()];
  if (synonym !== undefined) return mismatch(context, where, expected, didYouMean(synonym));
  // Edit distance means nothing for numbers (`rotate: 9` is not a typo of 0 or 90).
  const candidates = [...schema.values.map(String), ...Object.keys(synonyms)];
  const close = typeof value === 'string' ? closestMatch(text, candidates) : undefined;
  if (close !== undefined) {
    const meant = schema.values.find((v) => String(v) === close) ?? synonyms[close];
    if (meant !== undefined) return mismatch(context, where, expected, didYouMean(meant));
  }
  return mismatch(context, where, expected);
}

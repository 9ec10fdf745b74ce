/**
 * YAML text -> a small tree of maps, lists and scalars where every node knows its line and column. Syntax errors,
 * duplicate keys, tabs, unknown anchors and unsupported tags become problems here; the validator then only deals
 * with values.
 */
import { Lexer, LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { formatCount, maxYamlNodes } from './limits.js';
import type { Position, ProblemList } from './problems.js';
import { offsetPastNodeLimit, positionOf } from './yaml-node-count.js';

export type ScalarValue = string | number | boolean | null;

export interface ScalarNode {
  kind: 'scalar';
  pos: Position;
  value: ScalarValue;
  /** The text as written (`0x10`, `.inf`, `yes`), for messages. */
  source: string;
  quoted: boolean;
  /** `${...}` references the value came from (set by interpolation). */
  refs?: string[];
  /** The text as written before interpolation (`${MODELS}/yolo.tflite`), when it had references. */
  template?: string;
  /** A secret (`${file:...}`, `${credential:...}`, or a password, key or token field): never shown. */
  secret?: boolean;
  /** Interpolation failed; the problem is already reported. */
  failed?: boolean;
}

export interface MapEntry {
  key: string;
  keyPos: Position;
  value: TreeNode;
}

export interface MapNode {
  kind: 'map';
  pos: Position;
  entries: MapEntry[];
}

export interface ListNode {
  kind: 'list';
  pos: Position;
  items: TreeNode[];
}

export type TreeNode = ScalarNode | MapNode | ListNode;

/** `via`: how aliases took the file past the limit, e.g. ` once aliases are expanded (*d here)`. */
const overLimit = (via = ''): string =>
  `the file has more than ${formatCount(maxYamlNodes)} YAML nodes (keys, values and list items)${via}, the limit for a pipeline file`;

const syntaxHints: Partial<Record<string, string>> = {
  TAB_AS_INDENT: 'a tab is used for indentation; YAML needs spaces',
  MULTIPLE_DOCS: 'more than one YAML document (---) in one file; put each in a file of its own',
  BLOCK_AS_IMPLICIT_KEY: 'YAML syntax error: a nested field on the same line as its parent, or a line indented too far',
  MULTILINE_IMPLICIT_KEY: 'YAML syntax error: a field name runs over more than one line (check indentation and colons)',
  TAG_RESOLVE_FAILED: 'tags such as !secret are not supported; use ${NAME} or ${file:PATH} for secrets',
};

/**
 * Where to point for a syntax error. The parser finds an unclosed quote only at the end of the file: point at the
 * quote that opens it instead. An indentation error starts at the beginning of the line: point at its first
 * character.
 */
function errorOffset(text: string, code: string, offset: number): number {
  if (code === 'MISSING_CHAR') {
    let at = 0;
    for (const token of new Lexer().lex(text)) {
      // The lexer adds one-character markers (document start, scalar) that are not in the text.
      if (token.length === 1 && /[\x00-\x08\x0e-\x1f]/.test(token)) continue;
      const quote = token[0];
      if ((quote === '"' || quote === "'") && at + token.length >= offset && !closedQuote(token)) return at;
      at += token.length;
    }
  }
  let start = offset;
  while (text[start] === ' ' && start < text.length) start += 1;
  return start < text.length && text[start] !== '\n' ? start : offset;
}

/** Whether a quoted token ends with its closing quote (not an escaped one). */
function closedQuote(token: string): boolean {
  const quote = token[0]!;
  const body = token.trimEnd();
  if (body.length < 2 || !body.endsWith(quote)) return false;
  if (quote === "'") return true;
  const backslashes = /\\*$/.exec(body.slice(0, -1))![0].length;
  return backslashes % 2 === 0;
}

/** Parses `text`; returns undefined (with problems added) when the file is not valid YAML. Empty -> null scalar. */
export function readYamlTree(text: string, problems: ProblemList): TreeNode | undefined {
  // Before composing: composing a huge document is what takes seconds and gigabytes.
  const past = offsetPastNodeLimit(text, maxYamlNodes);
  if (past !== undefined) {
    problems.add(positionOf(text, past), '', overLimit());
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number): Position => lineCounter.linePos(offset);
  // Only the first syntax error: the parser's recovery after it mostly produces follow-up errors that mislead.
  const reported = doc.errors.length > 0 ? doc.errors.slice(0, 1) : doc.warnings;
  const lines = text.split('\n');
  for (const error of reported) {
    const offset = errorOffset(text, error.code, error.pos[0]);
    const pos = at(offset);
    const quote = text[offset] === '"' || text[offset] === "'" ? text[offset] : undefined;
    const unclosed = error.code === 'MISSING_CHAR' && quote && /quote/.test(error.message) ? `YAML syntax error: the quote ${quote} opened here is never closed` : undefined;
    let message = unclosed ?? syntaxHints[error.code] ?? `YAML syntax error: ${error.message.replace(/\s+/g, ' ').trim()}`;
    // `{ file: ${DIR}/m.tflite }`: in flow style `{` and `}` are YAML's own, so references there need quotes.
    if (error.name === 'YAMLParseError' && lines[pos.line - 1]?.includes('${')) {
      message += '; inside [ ] or { }, put a value with ${...} in quotes';
    }
    problems.add(pos, '', message);
  }
  if (doc.errors.length > 0 || doc.warnings.length > 0) return undefined;
  if (doc.contents === null) return { kind: 'scalar', pos: { line: 1, col: 1 }, value: null, source: '', quoted: false };
  const builder = new TreeBuilder(doc, at, problems);
  const tree = builder.convert(doc.contents, '', { line: 1, col: 1 });
  return builder.ok ? tree : undefined;
}

class TreeBuilder {
  ok = true;
  private count = 0;
  /** The alias being expanded outermost, named when the expansion passes the node limit. */
  private alias: { name: string; pos: Position } | undefined;

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => Position,
    private readonly problems: ProblemList,
  ) {}

  private fail(pos: Position, path: string, message: string): ScalarNode {
    this.ok = false;
    this.problems.add(pos, path, message);
    return { kind: 'scalar', pos, value: null, source: '', quoted: false, failed: true };
  }

  convert(node: unknown, path: string, fallback: Position): TreeNode {
    // The text has at most maxYamlNodes nodes (checked before composing); only aliases, which repeat what they
    // name (`&a [*b, *b, ...]` nested: an alias bomb), can take the tree past it.
    if (++this.count > maxYamlNodes) {
      if (this.count === maxYamlNodes + 1) {
        const via = this.alias ? ` once aliases are expanded (*${this.alias.name} here)` : '';
        return this.fail(this.alias?.pos ?? { line: 1, col: 1 }, '', overLimit(via));
      }
      return { kind: 'scalar', pos: fallback, value: null, source: '', quoted: false, failed: true };
    }
    if (node === null || node === undefined) return { kind: 'scalar', pos: fallback, value: null, source: '', quoted: false };
    const pos = isNodeWithRange(node) && node.range ? this.at(node.range[0]) : fallback;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) return this.fail(pos, path, `unknown anchor *${node.source}`);
      const outermost = this.alias === undefined;
      if (outermost) this.alias = { name: node.source, pos };
      try {
        return this.convert(target, path, pos);
      } finally {
        if (outermost) this.alias = undefined;
      }
    }
    if (isScalar(node)) {
      const value = node.value;
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      const source = typeof node.source === 'string' ? node.source : String(value);
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        // An empty value (`labels:`) has no extent of its own: point at its key.
        const emptyPos = value === null && node.range && node.range[0] === node.range[1] ? fallback : pos;
        return { kind: 'scalar', pos: emptyPos, value, source, quoted };
      }
      return this.fail(pos, path, `unsupported value ${source}`);
    }
    if (isSeq(node)) {
      return { kind: 'list', pos, items: node.items.map((item, i) => this.convert(item, `${path}[${i}]`, pos)) };
    }
    if (isMap(node)) {
      const entries: MapEntry[] = [];
      for (const pair of node.items) {
        const keyNode = pair.key;
        const keyPos = isNodeWithRange(keyNode) && keyNode.range ? this.at(keyNode.range[0]) : pos;
        if (!isScalar(keyNode) || typeof keyNode.value === 'object') {
          this.fail(keyPos, path, 'a field name must be plain text');
          continue;
        }
        const key = String(keyNode.value);
        const childPath = path ? `${path}.${key}` : key;
        const first = entries.find((e) => e.key === key);
        if (first) {
          // Reported, and the first one is validated: the rest of the file is still worth checking.
          this.problems.add(keyPos, childPath, `duplicate field; it is already given at line ${first.keyPos.line}`);
          continue;
        }
        entries.push({ key, keyPos, value: this.convert(pair.value, childPath, keyPos) });
      }
      return { kind: 'map', pos, entries };
    }
    return this.fail(pos, path, 'unsupported YAML value');
  }
}

function isNodeWithRange(node: unknown): node is YamlNode {
  return typeof node === 'object' && node !== null && 'range' in node;
}

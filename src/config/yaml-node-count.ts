/**
 * Counting the YAML nodes of a text before composing it. Composing is the costly step (the `yaml` package took
 * 23 s and 1 GB for a 1M-item flow list, issue 11) while its lexer yields tokens lazily at about 1 µs each, so
 * counting stops at the first node over the limit and an oversized file is refused in milliseconds.
 */
import { CST, Lexer } from 'yaml';

/** Tokens that are a node of their own. Plain and block scalars come as the SCALAR marker, then their text. */
const nodeTokens: ReadonlySet<string> = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'alias', 'flow-map-start', 'flow-seq-start']);
/** Tokens after which a node may follow; when none does (`- -`, `[a,,]`, `{: , :}`) YAML reads an empty node. */
const separatorTokens: ReadonlySet<string> = new Set(['seq-item-ind', 'explicit-key-ind', 'map-value-ind', 'comma']);
const endTokens: ReadonlySet<string> = new Set(['flow-seq-end', 'flow-map-end', 'doc-start', 'doc-end']);
/** Markers the lexer yields that are not part of the text. */
const markers: ReadonlySet<string> = new Set([CST.DOCUMENT, CST.SCALAR, CST.FLOW_END]);

/**
 * The offset in `text` of the first node past `limit` nodes (keys, values and list items, empty ones included;
 * an alias counts once here, its expansion is counted while the tree is built), or undefined within the limit.
 */
export function offsetPastNodeLimit(text: string, limit: number): number | undefined {
  let count = 0;
  let offset = 0;
  let expecting = false;
  let scalarText = false;
  for (const token of new Lexer().lex(text)) {
    if (scalarText) {
      scalarText = false; // the text of a plain or block scalar, already counted at its marker
    } else {
      const type = CST.tokenType(token);
      if (type && nodeTokens.has(type)) {
        count += 1;
        expecting = false;
        scalarText = token === CST.SCALAR;
      } else if (type && (separatorTokens.has(type) || endTokens.has(type))) {
        if (expecting) count += 1;
        expecting = separatorTokens.has(type);
      }
      if (count > limit) return offset;
    }
    if (!markers.has(token)) offset += token.length;
  }
  return undefined;
}

/** 1-based line and column of `offset` (as the yaml package's LineCounter counts them). */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

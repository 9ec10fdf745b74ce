// DOM helpers. Text from the server goes in through textContent only (never innerHTML): a pipeline name, an
// error message or a label can hold any characters.

/**
 * Creates an element. `props` sets properties (className, type, value, ...) and `data-*` attributes (keys
 * starting with "data-"); children are nodes or strings (strings become text nodes).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, String(value));
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

/** Replaces every child of `node` with `children`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false).map((c) => (typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)));
}

/** Sets textContent only when it changed (no layout work at 1 Hz for what stays the same). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** A number with at most `digits` decimals, or "–" when absent. */
export function num(value, digits = 1) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** Milliseconds as a short age: "120 ms", "3.4 s", "5 min". */
export function age(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A CSS-safe id fragment for a pipeline name (names are [a-z0-9_-] but the page must not trust that). */
export function slug(name) {
  return String(name).replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0).toString(16)}_`);
}

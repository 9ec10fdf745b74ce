/**
 * The process's secrets and the one redaction every text leaving the process goes through (log lines, the HTTP
 * endpoint, the MQTT status and stats topics, CLI output, recorded pipeline errors).
 *
 * Secrets are registered where they enter: the content of `${file:...}` and `${credential:...}` references when
 * they are read, and the values of password, key and token fields (src/config/interpolate.ts). A secret can
 * reach an error text by any route (a file sink path, `ENOENT: ..., open '<path>'`), so redaction looks for the
 * values themselves, not for the fields they came from.
 */

/** What a secret is replaced with. */
export const HIDDEN = '<hidden>';

/** Shorter values are not secrets worth hiding, and hiding them would blank ordinary words and numbers. */
export const MIN_SECRET_LENGTH = 3;

/** A line of a multi-line secret (a PEM key) is hidden on its own when at least this long. */
const MIN_LINE_LENGTH = 8;

const secrets = new Set<string>();
/** The values as registered (without the derived forms), for handing to another thread. */
const registered = new Set<string>();
/** Longest first, so a secret containing another is hidden whole; rebuilt after a registration. */
let ordered: string[] = [];

function add(value: string): boolean {
  if (value.length < MIN_SECRET_LENGTH || secrets.has(value)) return false;
  secrets.add(value);
  return true;
}

/**
 * Registers a value never to be shown. Also registers its JSON-escaped form (a secret with a quote or a newline
 * in a JSON text) and, for a multi-line value, each line of at least 8 characters (an error may quote one line).
 */
export function registerSecret(value: string): void {
  registered.add(value);
  let changed = add(value);
  changed = add(JSON.stringify(value).slice(1, -1)) || changed;
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= MIN_LINE_LENGTH) changed = add(line) || changed;
  }
  if (changed) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/**
 * The values registered on this thread. Config loading runs on a worker thread (src/config/load-off-thread.ts),
 * whose registry is its own: it hands these back so the main thread's redaction knows them too.
 */
export function registeredSecrets(): string[] {
  return [...registered];
}

/** How many values are registered (for tests and diagnostics; never the values). */
export function secretCount(): number {
  return secrets.size;
}

/** `text` with every registered secret (and every one of `extra`) replaced by `<hidden>`. */
export function redact(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const secret of extra) if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(HIDDEN);
  for (const secret of ordered) if (out.includes(secret)) out = out.split(secret).join(HIDDEN);
  return out;
}

/**
 * A copy of `value` with every string redacted (object keys too), for JSON that leaves the process. Iterative:
 * a deeply nested value from outside cannot overflow the stack. Other values are kept as they are.
 */
export function redactDeep<T>(value: T, extra: readonly string[] = []): T {
  if (ordered.length === 0 && extra.length === 0) return value;
  const root = { value: value as unknown };
  const stack: Array<{ from: unknown; into: Record<string, unknown> | unknown[]; key: string | number }> = [{ from: value, into: root as unknown as Record<string, unknown>, key: 'value' }];
  while (stack.length > 0) {
    const { from, into, key } = stack.pop()!;
    let copy: unknown = from;
    if (typeof from === 'string') copy = redact(from, extra);
    else if (Array.isArray(from)) {
      const list: unknown[] = new Array(from.length);
      from.forEach((item, i) => stack.push({ from: item, into: list, key: i }));
      copy = list;
    } else if (from !== null && typeof from === 'object' && Object.getPrototypeOf(from) === Object.prototype) {
      const record: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(from)) {
        const name = redact(k, extra);
        record[name] = undefined; // keeps the key order: children are filled in last-first
        stack.push({ from: v, into: record, key: name });
      }
      copy = record;
    }
    (into as Record<string | number, unknown>)[key] = copy;
  }
  return root.value as T;
}

/**
 * Errors edgepipe raises on purpose. `code` is stable for scripts and tests; `exitCode` follows the CLI contract:
 * 2 for bad user input (files, flags, config), 1 for runtime failures.
 */
export class EdgepipeError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;

  constructor(code: string, message: string, options: { exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EdgepipeError';
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Renders a received value for an error message: short, and never a whole buffer. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The one factory for bad options at the JS boundary: names the option, what was expected and what came. */
export function invalidOption(path: string, expected: string, received: unknown): EdgepipeError {
  return new EdgepipeError('ERR_INVALID_OPTION', `Expected ${expected} for ${path} but received ${describeValue(received)}`, {
    exitCode: 2,
  });
}

/** Collapses TFLite's error-reporter text: repeated lines once, with a count, at most `maxLines` lines. */
export function summariseTfliteLog(log: string, maxLines = 8): string {
  const counts = new Map<string, number>();
  for (const line of log.split('\n').map((l) => l.trim())) {
    if (line) counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  const lines = [...counts].map(([line, n]) => (n > 1 ? `${line} (x${n})` : line));
  if (lines.length > maxLines) lines.splice(maxLines, lines.length - maxLines, `... ${lines.length - maxLines} more`);
  return lines.join('; ');
}

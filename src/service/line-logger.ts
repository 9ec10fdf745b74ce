/**
 * One line per event. Pipelines only need the `Logger` interface (src/core/log.ts); `edgepipe run` builds a
 * `lineLogger` with the level per module, the line format (text or JSON), journald priorities under systemd, and
 * secrets redacted.
 */
import type { LogLevel, Logger } from '../core/log.js';
import { printable, printableJson } from '../runtime/printable.js';
import { MIN_SECRET_LENGTH, redact, redactDeep } from '../runtime/secrets.js';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** sd-daemon(3) priorities: journald reads `<N>` at the start of a line from a service's stderr. */
const journalPriority: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

/** Writes `level message {fields}` lines to stderr (stdout carries predictions). */
export function stderrLogger(minimum: LogLevel = 'info'): Logger {
  return lineLogger({ level: minimum });
}

export interface LineLoggerOptions {
  /** Lowest level written (default info). */
  level?: LogLevel;
  /** Levels for single modules, overriding `level`. */
  modules?: Readonly<Record<string, LogLevel | undefined>>;
  /** text: `level message {fields}`; json: `{time, level, msg, module?, ...fields}` (default text). */
  format?: 'text' | 'json';
  /** Start each line with its sd-daemon priority `<3>`..`<7>` (under systemd, so journald records it). */
  journal?: boolean;
  /**
   * Values never written, replaced by `<hidden>` in messages and fields, besides the process's registered secrets
   * (src/runtime/secrets.ts), which are always hidden.
   */
  secrets?: readonly string[];
  /** Where lines go (default stderr); each call gets one line with its newline. */
  write?: (line: string) => void;
  /** Clock for the JSON `time` field (default Date.now). */
  now?: () => number;
}

/**
 * A message's module: its `module` field, else its first word (`pipeline door: ...` -> pipeline,
 * `service: ...` -> service, `stats door` -> stats). Pipelines name themselves this way already.
 */
export function moduleOf(message: string, fields?: Record<string, unknown>): string | undefined {
  const field = fields?.['module'];
  if (typeof field === 'string') return field;
  return /^([a-z][a-z0-9_-]*)(?=[: ])/.exec(message)?.[1];
}

export function lineLogger(options: LineLoggerOptions = {}): Logger {
  const minimum = options.level ?? 'info';
  const modules = options.modules ?? {};
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? Date.now;
  // Longest first, so a secret containing another is hidden whole; short values would hide ordinary words.
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  return {
    log(level, message, fields) {
      const module = moduleOf(message, fields);
      const threshold = (module && modules[module]) || minimum;
      if (order[level] < order[threshold]) return;
      const prefix = options.journal ? `<${journalPriority[level]}>` : '';
      const msg = redact(message, secrets);
      const rest = fields ? redactDeep(fields, secrets) : {};
      let line: string;
      if (options.format === 'json') {
        const { module: _module, ...others } = rest;
        line = printableJson(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...(module ? { module } : {}), ...others }));
      } else {
        // One event, one line: a newline inside a message would split it into two journal entries, and a NUL or an
        // ESC from a device would make the journal binary to grep or drive the terminal of whoever reads it.
        line = printable(`${level} ${msg}${Object.keys(rest).length > 0 ? ` ${printableJson(JSON.stringify(rest))}` : ''}`);
      }
      write(`${prefix}${line}\n`);
    },
  };
}

/**
 * The logging contract every floor may use: one call per event, a level, a message and fields. How lines are
 * written (text or JSON, journald priorities, secrets redacted) is the service's: src/service/line-logger.ts.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** A logger that adds `module` to every entry it passes on. */
export function childLogger(parent: Logger, module: string): Logger {
  return { log: (level, message, fields) => parent.log(level, message, { module, ...fields }) };
}

/** Collects entries in memory (tests, and the status reports of the service). */
export function memoryLogger(): Logger & { entries: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> } {
  const entries: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }> = [];
  return {
    entries,
    log(level, message, fields) {
      entries.push(fields ? { level, message, fields } : { level, message });
    },
  };
}

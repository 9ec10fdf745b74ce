/**
 * One line per event. The service (another issue) adds journald priorities and JSON lines; pipelines only
 * need this interface.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Writes `level message {fields}` lines to stderr (stdout carries predictions). */
export function stderrLogger(minimum: LogLevel = 'info'): Logger {
  return {
    log(level, message, fields) {
      if (order[level] < order[minimum]) return;
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      process.stderr.write(`${level} ${message}${extra}\n`);
    },
  };
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

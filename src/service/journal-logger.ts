/**
 * The logger of `edgepipe run`: options from the command line over runtime.log, journald priorities when systemd
 * captures stderr, and every config value that came from `${...}` (the file's secretPaths) redacted.
 */
import type { ConfigFile, LogConfig } from '../config/types.js';
import type { LogLevel, Logger } from '../core/log.js';
import { lineLogger } from './line-logger.js';

/**
 * True when stderr goes to the journal: systemd sets JOURNAL_STREAM (device:inode of the stream) for services
 * whose output is connected to it, and INVOCATION_ID for every unit it runs.
 */
export function underJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env['JOURNAL_STREAM'] || env['INVOCATION_ID']);
}

/** The values at `secretPaths` (`pipelines[0].sinks[1].path`) of each config. */
export function secretValues(configs: readonly ConfigFile[]): string[] {
  const values: string[] = [];
  for (const config of configs) {
    for (const secretPath of config.secretPaths) {
      let node: unknown = config;
      for (const key of secretPath.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '')) {
        node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
      }
      if (typeof node === 'string') values.push(node);
      else if (typeof node === 'number') values.push(String(node));
    }
  }
  return values;
}

/** runtime.log of the first file that has one (the logger is one per process). */
export function logConfigOf(configs: readonly ConfigFile[]): LogConfig | undefined {
  return configs.find((config) => config.runtime.log)?.runtime.log;
}

export interface ServiceLoggerOptions {
  /** --log-level, over runtime.log.level. */
  level?: LogLevel;
  /** --log-format, over runtime.log.format. */
  format?: 'text' | 'json';
  /** More values never to log, beyond the configs' own (those of files loaded by a reload). */
  secrets?: readonly string[];
  env?: NodeJS.ProcessEnv;
  write?: (line: string) => void;
}

export function serviceLogger(configs: readonly ConfigFile[], options: ServiceLoggerOptions = {}): Logger {
  const config = logConfigOf(configs);
  return lineLogger({
    level: options.level ?? config?.level ?? 'info',
    format: options.format ?? config?.format ?? 'text',
    modules: config?.modules ?? {},
    journal: underJournal(options.env),
    secrets: [...secretValues(configs), ...(options.secrets ?? [])],
    ...(options.write ? { write: options.write } : {}),
  });
}

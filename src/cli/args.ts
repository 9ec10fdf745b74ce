/**
 * Command-line parsing shared by the subcommands; every mistake is an EdgepipeError with exit code 2. Messages
 * carry no "edgepipe COMMAND:" prefix: main.ts puts it in front of every error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EdgepipeError, invalidOption } from '../runtime/errors.js';
import { validateChain, type DelegateRequest } from '../runtime/delegate-chain.js';
import { loadDelegateDescriptors } from '../runtime/delegates.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parseCommand(command: string, argv: string[], options: OptionSpec): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    throw new EdgepipeError('ERR_USAGE', `${(error as Error).message} (see edgepipe ${command} --help)`, {
      exitCode: 2,
    });
  }
}

export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(parsed: Parsed, name: string): string[] {
  const value = parsed.values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** An integer flag within [min, max], or the default when absent. */
export function intOption(parsed: Parsed, name: string, min: number, max: number, fallback: number): number {
  const raw = stringOption(parsed, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || value < min || value > max) {
    throw invalidOption(`--${name}`, `an integer between ${min} and ${max}`, raw);
  }
  return value;
}

/** --threads N or auto. */
export function threadsOption(parsed: Parsed): number | 'auto' {
  return stringOption(parsed, 'threads') === 'auto' ? 'auto' : intOption(parsed, 'threads', 1, 64, 1);
}

/** --delegates a,b,c (default xnnpack,cpu), checked against delegates/ before anything is loaded. */
export function delegatesOption(parsed: Parsed): DelegateRequest[] {
  const raw = stringOption(parsed, 'delegates');
  if (raw === undefined) return ['xnnpack', 'cpu'];
  const names = raw.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw invalidOption('--delegates', 'a comma-separated list of delegate names', raw);
  validateChain(names, loadDelegateDescriptors());
  return names;
}

/** --mean / --std: one number or one per channel, comma-separated. */
export function numberListOption(parsed: Parsed, name: string): number[] | undefined {
  const raw = stringOption(parsed, name);
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isFinite(v))) {
    throw invalidOption(`--${name}`, 'numbers separated by commas (one, or one per channel)', raw);
  }
  return values;
}

export function requireModel(command: string, parsed: Parsed): string {
  const model = parsed.positionals[0];
  if (!model) throw new EdgepipeError('ERR_USAGE', `missing MODEL (see edgepipe ${command} --help)`, { exitCode: 2 });
  if (parsed.positionals.length > 1) {
    throw new EdgepipeError('ERR_USAGE', `unexpected argument "${parsed.positionals[1]}"`, { exitCode: 2 });
  }
  return model;
}

/**
 * Delegate descriptors: one YAML file per accelerator in delegates/ (see delegates/*.yaml for the fields).
 * They say which ABI a delegate uses, where its library lives per architecture and its default options.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, type Node as YamlNode } from 'yaml';
import { readRegularFileSync, refusalText } from '../config/bounded-read.js';
import { EdgepipeError, describeValue } from './errors.js';
import { packageRoot } from './paths.js';

export type DelegateAbi = 'xnnpack' | 'plugin' | 'gpu-v2';
export type OptionValue = string | number | boolean;

export interface DelegateDescriptor {
  name: string;
  description: string;
  abi: DelegateAbi;
  /** The custom op a model must contain for this delegate to matter (edgetpu-custom-op), if any. */
  customOp?: string;
  library?: { names: string[]; searchPaths: Partial<Record<string, string[]>> };
  options: Record<string, OptionValue>;
  /** How the delegate caches compiled graphs: the option naming the cache location. */
  cache?: { option: string; file: boolean; tokenOption?: string; extraOptions: Record<string, OptionValue> };
  /** The YAML file it came from. */
  file: string;
}

/** The delegates/ folder shipped with edgepipe. */
export const builtinDelegatesDir = path.join(packageRoot(), 'delegates');

const abis: readonly DelegateAbi[] = ['xnnpack', 'plugin', 'gpu-v2'];

class DescriptorReader {
  readonly errors: string[] = [];
  constructor(
    private readonly file: string,
    private readonly root: Record<string, unknown>,
    private readonly where: (key: string) => string,
  ) {}

  fail(key: string, expected: string, received: unknown): void {
    this.errors.push(`${this.where(key)}: ${key}: expected ${expected} but received ${describeValue(received)}`);
  }

  string(key: string, required: boolean): string | undefined {
    const value = this.root[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value === '') this.fail(key, 'a non-empty string', value);
    return typeof value === 'string' ? value : undefined;
  }

  stringList(key: string, value: unknown): string[] {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      this.fail(key, 'a list of strings', value);
      return [];
    }
    return value as string[];
  }

  options(key: string, value: unknown): Record<string, OptionValue> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(key, 'a map of option names to strings, numbers or booleans', value);
      return {};
    }
    const out: Record<string, OptionValue> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
      else this.fail(`${key}.${k}`, 'a string, number or boolean', v);
    }
    return out;
  }
}

/** Parses and validates one descriptor; every problem is reported with file:line:col. */
export function parseDelegateDescriptor(file: string, text: string): DelegateDescriptor {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    throw new EdgepipeError('ERR_DELEGATE_DESCRIPTOR', `${file}:${pos.line}:${pos.col}: ${first.message}`, { exitCode: 2 });
  }
  const root = doc.toJS() as unknown;
  if (!isMap(doc.contents) || typeof root !== 'object' || root === null) {
    throw new EdgepipeError('ERR_DELEGATE_DESCRIPTOR', `${file}:1:1: expected a map of fields`, { exitCode: 2 });
  }
  const where = (key: string): string => {
    const node = doc.getIn(key.split('.'), true) as YamlNode | undefined;
    const offset = node?.range?.[0] ?? 0;
    const pos = lineCounter.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const fields = root as Record<string, unknown>;
  const reader = new DescriptorReader(file, fields, where);
  if (fields['version'] !== 1) reader.fail('version', '1', fields['version']);
  const name = reader.string('name', true) ?? '';
  const description = reader.string('description', false) ?? name;
  const abi = fields['abi'];
  if (!abis.includes(abi as DelegateAbi)) reader.fail('abi', `one of ${abis.join(', ')}`, abi);
  const descriptor: DelegateDescriptor = {
    name,
    description,
    abi: abi as DelegateAbi,
    options: reader.options('options', fields['options']),
    file,
  };
  const customOp = reader.string('custom_op', false);
  if (customOp) descriptor.customOp = customOp;
  if (abi === 'plugin' || abi === 'gpu-v2') {
    const library = fields['library'] as Record<string, unknown> | undefined;
    if (!library || typeof library !== 'object') {
      reader.fail('library', 'a map with names and search_paths', library);
    } else {
      const searchPaths: Record<string, string[]> = {};
      const rawPaths = (library['search_paths'] ?? {}) as Record<string, unknown>;
      for (const [arch, dirs] of Object.entries(rawPaths)) searchPaths[arch] = reader.stringList(`library.search_paths.${arch}`, dirs);
      descriptor.library = { names: reader.stringList('library.names', library['names']), searchPaths };
    }
  }
  const cache = fields['cache'] as Record<string, unknown> | undefined;
  if (cache !== undefined) {
    if (typeof cache !== 'object' || cache === null || typeof cache['option'] !== 'string') {
      reader.fail('cache', 'a map with an option name', cache);
    } else {
      descriptor.cache = {
        option: cache['option'],
        file: cache['file'] === true,
        extraOptions: reader.options('cache.extra_options', cache['extra_options']),
        ...(typeof cache['token_option'] === 'string' ? { tokenOption: cache['token_option'] } : {}),
      };
    }
  }
  if (reader.errors.length > 0) {
    throw new EdgepipeError('ERR_DELEGATE_DESCRIPTOR', reader.errors.join('\n'), { exitCode: 2 });
  }
  return descriptor;
}

/** A descriptor is a few dozen lines; anything this big is not one. */
export const MAX_DESCRIPTOR_BYTES = 64 * 1024;

/**
 * Loads every *.yaml in the given folders; a later folder overrides an earlier one by name (so
 * /etc/edgepipe/delegates can adjust a shipped descriptor). Regular files only, at most MAX_DESCRIPTOR_BYTES: a
 * FIFO named `npu.yaml` in /etc/edgepipe/delegates would otherwise hold the service's start forever.
 */
export function loadDelegateDescriptors(dirs: readonly string[] = [builtinDelegatesDir]): Map<string, DelegateDescriptor> {
  const out = new Map<string, DelegateDescriptor>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort()) {
      const file = path.join(dir, entry);
      const read = readRegularFileSync(file, MAX_DESCRIPTOR_BYTES);
      if ('refused' in read) {
        throw new EdgepipeError('ERR_DELEGATE_DESCRIPTOR', `${file}: cannot read this delegate descriptor: ${refusalText(read.refused, 'it', 'a delegate descriptor')}`, { exitCode: 2 });
      }
      const descriptor = parseDelegateDescriptor(file, read.text);
      out.set(descriptor.name, descriptor);
    }
  }
  return out;
}

/** Where a delegate's library is on this machine, or why it is not. */
export function locateDelegateLibrary(
  descriptor: DelegateDescriptor,
  arch: string = process.arch,
): { path: string } | { missing: string } {
  const library = descriptor.library;
  if (!library) return { missing: `${descriptor.name} has no library` };
  const dirs = [...(library.searchPaths[arch] ?? []), ...(process.env['EDGEPIPE_DELEGATE_PATH']?.split(':') ?? [])];
  for (const dir of dirs) {
    for (const name of library.names) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return { path: candidate };
    }
  }
  return { missing: `library ${library.names.join(' or ')} not found in ${dirs.join(', ') || '(no search path for ' + arch + ')'}` };
}

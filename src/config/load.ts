/**
 * Loading pipeline configuration: files and folders -> validated, immutable ConfigFile objects, or one ConfigError
 * listing every problem of every file (file:line:col, path, expected, received, suggestion).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readRegularFile, refusalText } from './bounded-read.js';
import { crossFileProblems } from './cross-checks.js';
import { formatCount, maxConfigFileBytes, maxProblemsPerFile } from './limits.js';
import { parseFile, type ParseOptions, type ParsedFile } from './parse.js';
import { sharedConnectionProblems } from './shared-connections.js';
import { ConfigError, sortProblems, type ConfigProblem, type Position } from './problems.js';
import { referenceProblems, referenceWarnings } from './references.js';
import type { ConfigFile, RuntimeConfig } from './types.js';

export interface LoadOptions extends ParseOptions {
  /**
   * Also check what the files point at: model and labels files exist, runtime.library and runtime.delegate_dirs
   * exist, delegate names have a descriptor. Default true.
   */
  checkFiles?: boolean;
  /** Text to check in place of a file's content, by resolved path (the live view's check of an edited file). */
  texts?: ReadonlyMap<string, string>;
}

/**
 * Validates one file's text. `file` names the file in messages and `origin`s and is the base of its relative
 * paths (resolved against the current directory when relative). Does not look at the files the config points at
 * (loadConfigFiles does). Throws ConfigError with every problem.
 */
export function parseConfig(file: string, text: string, options: ParseOptions = {}): ConfigFile {
  const parsed = parseFile(file, text, options);
  const problems = [...parsed.problems, ...crossFileProblems([parsed])];
  if (problems.length > 0 || !parsed.config) throw new ConfigError(limitPerFile(sortProblems(problems)));
  return parsed.config;
}

/**
 * Loads YAML files and folders (a folder: its *.yaml and *.yml files, sorted by name, not recursive), in order.
 * Pipeline names must be unique across all of them. Throws one ConfigError listing every problem of every file.
 * Each file must be a regular file of at most maxConfigFileBytes (checked before it is read) with at most
 * maxYamlNodes nodes. Parsing runs on the calling thread: `edgepipe run` uses loadConfigFilesOffThread.
 */
export async function loadConfigFiles(paths: readonly string[], options: LoadOptions = {}): Promise<ConfigFile[]> {
  const checked = await checkConfigFiles(paths, options);
  if (checked.problems.length > 0) throw new ConfigError(checked.problems);
  return checked.configs;
}

/**
 * What `edgepipe validate` needs: every problem of every file (sorted, at most maxProblemsPerFile per file), and
 * the files with the pipelines that are valid on their own, so the checks that need a model can run on them in the
 * same pass. A file whose runtime section is invalid gives no pipelines.
 */
export async function checkConfigFiles(paths: readonly string[], options: LoadOptions = {}): Promise<{ problems: ConfigProblem[]; warnings: ConfigProblem[]; configs: ConfigFile[]; positions: Map<string, ReadonlyMap<string, Position>> }> {
  const problems: ConfigProblem[] = [];
  const files: string[] = [];
  for (const given of paths) {
    const found = await expand(given);
    if ('problem' in found) problems.push(found.problem);
    else for (const file of found.files) if (!files.some((f) => path.resolve(f) === path.resolve(file))) files.push(file);
  }
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    // A FIFO would block the read until a writer comes, a huge file would take seconds and gigabytes to parse.
    const given = options.texts?.get(path.resolve(file));
    const read = given !== undefined ? { text: given } : await readRegularFile(file, maxConfigFileBytes);
    if ('refused' in read) {
      const why = refusalText(read.refused, 'the file', 'a pipeline file');
      problems.push(wholeFile(file, read.refused.kind === 'error' ? `cannot read the file: ${why}` : why));
      continue;
    }
    parsed.push(parseFile(file, read.text, options));
  }
  for (const file of parsed) problems.push(...file.problems);
  problems.push(...crossFileProblems(parsed));
  problems.push(...sharedConnectionProblems(parsed));
  // Pipelines whose model file, labels or delegates are reported: loading the model would only repeat it.
  const unusable = new Set<string>();
  const warnings: ConfigProblem[] = [];
  if (options.checkFiles ?? true) {
    for (const file of parsed) {
      warnings.push(...referenceWarnings(file));
      const found = referenceProblems(file);
      problems.push(...found);
      for (const p of found) unusable.add(p.path.startsWith('runtime') ? `${file.display}` : `${file.display}#${/^pipelines\[\d+\]/.exec(p.path)?.[0]}`);
    }
  }
  const configs = parsed.flatMap((file): ConfigFile[] => {
    const runtime = file.parts?.runtime;
    if (!runtime || unusable.has(file.display)) return [];
    if (file.config && unusable.size === 0) return [file.config];
    const usable = (index: number): boolean => !unusable.has(`${file.display}#pipelines[${index}]`);
    const pipelines = file.parts!.pipelines.flatMap((part) => (part.pipeline && usable(part.index) ? [part.pipeline] : []));
    return [{ file: path.resolve(file.display), version: 1, runtime, pipelines, secretPaths: file.parts!.secretPaths }];
  });
  return { problems: problems.length > 0 ? limitPerFile(sortProblems(problems, [...paths, ...files])) : [], warnings: sortProblems(warnings, [...paths, ...files]), configs, positions: new Map(parsed.map((file) => [path.resolve(file.display), file.positions])) };
}

/** The first maxProblemsPerFile problems of each file (sorted, so a file's are together), then one line counting the rest. */
function limitPerFile(sorted: readonly ConfigProblem[]): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  let file = '';
  let count = 0;
  const countRest = (): void => {
    const more = count - maxProblemsPerFile;
    if (more <= 0) return;
    const message = `and ${formatCount(more)} more problem${more === 1 ? '' : 's'} in this file (the first ${maxProblemsPerFile} are listed)`;
    out.push({ file, line: 0, col: 0, path: '', message });
  };
  for (const problem of sorted) {
    if (problem.file !== file) {
      countRest();
      file = problem.file;
      count = 0;
    }
    count += 1;
    if (count <= maxProblemsPerFile) out.push(problem);
  }
  countRest();
  return out;
}

function wholeFile(file: string, message: string): ConfigProblem {
  return { file, line: 0, col: 0, path: '', message };
}

async function expand(given: string): Promise<{ files: string[] } | { problem: ConfigProblem }> {
  let stats;
  try {
    stats = await stat(given);
  } catch {
    return { problem: wholeFile(given, 'no such file or folder') };
  }
  if (!stats.isDirectory()) return { files: [given] };
  const names = (await readdir(given)).filter((name) => /\.ya?ml$/i.test(name)).sort();
  if (names.length === 0) return { problem: wholeFile(given, 'the folder has no .yaml or .yml files') };
  return { files: names.map((name) => path.join(given, name)) };
}

/**
 * The runtime settings of a file that sets none (every default), for code that builds pipelines without a YAML
 * file: benchmarks, tests, the demo.
 */
export function defaultRuntime(): RuntimeConfig {
  return parseConfig('/defaults.yaml', 'version: 1\npipelines: []\n').runtime;
}

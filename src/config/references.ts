/**
 * What a valid config points at on this machine: the model and labels files, runtime.library, the delegate
 * descriptor folders and the delegate names. Run by loadConfigFiles (not by parseConfig, which only reads text).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { builtinDelegatesDir, loadDelegateDescriptors } from '../runtime/delegates.js';
import { ProblemList, type ConfigProblem } from './problems.js';
import type { ParsedFile } from './parse.js';
import { closestMatch } from './suggest.js';
import type { TreeNode } from './yaml-tree.js';
import { camelCase } from './validate.js';

type Kind = 'file' | 'folder' | 'file or folder';

/**
 * Things that may still appear before the pipeline starts (a USB camera plugged in later): `edgepipe validate`
 * prints them, the loader does not refuse the file for them.
 */
export function referenceWarnings(parsed: ParsedFile): ConfigProblem[] {
  const warnings = new ProblemList(parsed.display);
  for (const { index, source } of parsed.parts?.pipelines ?? []) {
    if (source?.kind !== 'camera' || source.command || !source.input.startsWith('/dev/')) continue;
    const yamlPath = `pipelines[${index}].source.input`;
    if (existsSync(source.input) || parsed.parts!.secretPaths.includes(camelCase(yamlPath))) continue;
    const message = `the camera device ${source.input} does not exist now; the pipeline retries until it appears (is the camera plugged in?)`;
    warnings.add(parsed.positions.get(yamlPath) ?? { line: 1, col: 1 }, yamlPath, message);
  }
  return warnings.problems;
}

/** Checks the valid parts of one parsed file (all of it when it is valid); returns their problems. */
export function referenceProblems(parsed: ParsedFile): ConfigProblem[] {
  const config = parsed.parts;
  if (!config) return [];
  const problems = new ProblemList(parsed.display);
  const secret = (yamlPath: string): boolean => config.secretPaths.includes(camelCase(yamlPath));
  const expect = (yamlPath: string, target: string, kind: Kind): boolean => {
    const template = parsed.tree ? scalarAt(parsed.tree, yamlPath)?.template : undefined;
    const why = missing(target, kind, secret(yamlPath), template);
    if (why) problems.add(parsed.positions.get(yamlPath) ?? { line: 1, col: 1 }, yamlPath, why);
    return why === undefined;
  };
  const runtime = config.runtime;
  if (runtime?.library) expect('runtime.library', runtime.library, 'file');
  const dirs = runtime?.delegateDirs.filter((dir, i) => expect(`runtime.delegate_dirs[${i}]`, dir, 'folder'));
  let known: string[] | undefined;
  try {
    // Without a valid runtime the extra descriptor folders are unknown: unknown delegate names are not checked.
    if (dirs) known = ['cpu', ...loadDelegateDescriptors([builtinDelegatesDir, ...dirs]).keys()].sort();
  } catch (error) {
    const at = parsed.positions.get('runtime.delegate_dirs') ?? { line: 1, col: 1 };
    problems.add(at, 'runtime.delegate_dirs', `a delegate descriptor is invalid: ${(error as Error).message}`);
  }
  config.pipelines.forEach(({ index: i, model, source }) => {
    // An images source reads a finite list: without its file or folder the pipeline can never start.
    if (source?.kind === 'images') {
      const glob = /[*?]/.exec(source.path);
      // A glob: the folder before its first wildcard must exist (the pattern may match nothing yet with watch).
      const fixed = glob ? path.dirname(source.path.slice(0, glob.index + 1)) : source.path;
      expect(`pipelines[${i}].source.path`, fixed, glob ? 'folder' : 'file or folder');
    }
    // A file read by ffmpeg (a sound file, a video file) is finite too: without it the source can never start.
    if (source?.kind === 'audio' && source.input !== undefined && !source.command) expect(`pipelines[${i}].source.input`, source.input, 'file');
    if (source?.kind === 'camera' && !source.command && source.input.startsWith('/') && !source.input.startsWith('/dev/')) {
      expect(`pipelines[${i}].source.input`, source.input, 'file');
    }
    if (!model) return;
    const at = `pipelines[${i}].model`;
    expect(`${at}.file`, model.file, 'file');
    if (model.labels) expect(`${at}.labels`, model.labels, 'file');
    if (!known) return;
    model.delegates.forEach((name, j) => {
      const yamlPath = `${at}.delegates[${j}]`;
      // `board`: the detected board profile's delegates, known only at run time (src/boards/defaults.ts).
      if (name === 'board' || known.includes(name) || !parsed.positions.has(yamlPath)) return;
      const close = closestMatch(name, known);
      const list = known.join(', ');
      const hint = close ? `did you mean "${close}"? (known: ${list})` : `known: ${list}; others need a descriptor in runtime.delegate_dirs`;
      problems.add(parsed.positions.get(yamlPath)!, yamlPath, `unknown delegate "${name}"; ${hint}`, {
        received: `"${name}"`,
        ...(close ? { suggestion: close } : {}),
      });
    });
  });
  return problems.problems;
}

/** The scalar at a YAML path (`pipelines[0].model.file`) of a tree, if there is one. */
function scalarAt(tree: TreeNode, yamlPath: string): Extract<TreeNode, { kind: 'scalar' }> | undefined {
  let node: TreeNode | undefined = tree;
  for (const step of yamlPath.split(/\.|(?=\[)/)) {
    const index = /^\[(\d+)\]$/.exec(step)?.[1];
    if (index !== undefined) node = node?.kind === 'list' ? node.items[Number(index)] : undefined;
    else node = node?.kind === 'map' ? node.entries.find((e) => e.key === step)?.value : undefined;
  }
  return node?.kind === 'scalar' ? node : undefined;
}

/**
 * Why `target` is not a usable file/folder, or undefined when it is. A secret path (from `${file:...}`) is not
 * shown; one from `${NAME}` is, after its template (`${MODELS}/yolo.tflite -> /opt/models/yolo.tflite`).
 */
function missing(target: string, kind: Kind, secret: boolean, template?: string): string | undefined {
  const shown = secret ? '(the path from ${file:...} or ${credential:...} is not shown)' : template !== undefined ? `${template} -> ${target}` : target;
  let stats;
  try {
    stats = statSync(target);
  } catch {
    const close = secret ? undefined : closestSibling(target);
    return `${kind} not found: ${shown}${close ? `; did you mean "${close}"?` : ''}`;
  }
  if (kind === 'file' && !stats.isFile()) return `expected a file, found a folder: ${shown}`;
  if (kind === 'folder' && !stats.isDirectory()) return `expected a folder, found a file: ${shown}`;
  return undefined;
}

/** The name in the same folder closest to the missing one (`mobilnet.tflite` -> `mobilenet.tflite`). */
function closestSibling(target: string): string | undefined {
  try {
    return closestMatch(path.basename(target), readdirSync(path.dirname(target)));
  } catch {
    return undefined;
  }
}

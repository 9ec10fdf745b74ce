/**
 * Checks across pipelines and files, run on the YAML trees so that they report even while a file has other
 * problems: pipeline names unique everywhere, one file sink per file, one runtime.library and cache_dir.
 */
import path from 'node:path';
import type { ParsedFile } from './parse.js';
import { ProblemList, type ConfigProblem, type Position } from './problems.js';
import { envLedPath } from './interpolate.js';
import { pipelineNamePattern } from './schema.js';
import type { TreeNode } from './yaml-tree.js';

interface Seen {
  where: string;
  label: string;
}

function entry(node: TreeNode | undefined, key: string): TreeNode | undefined {
  return node?.kind === 'map' ? node.entries.find((e) => e.key === key)?.value : undefined;
}

function text(node: TreeNode | undefined): { value: string; pos: Position; secret: boolean; template?: string } | undefined {
  if (node?.kind !== 'scalar' || node.failed) return undefined;
  const value = typeof node.value === 'number' ? node.source : node.value;
  if (typeof value !== 'string' || value === '') return undefined;
  return { value, pos: node.pos, secret: node.secret === true, ...(node.template === undefined ? {} : { template: node.template }) };
}

/** Problems of `files` taken together, in the order the files were given. */
export function crossFileProblems(files: readonly ParsedFile[]): ConfigProblem[] {
  const names = new Map<string, Seen>();
  const sinkFiles = new Map<string, Seen>();
  const runtime = new Map<string, { value: string; where: string }>();
  const out: ConfigProblem[] = [];
  for (const file of files) {
    const problems = new ProblemList(file.display);
    const dir = path.dirname(path.resolve(file.display));
    const here = (pos: Position): string => `${file.display}:${pos.line}:${pos.col}`;
    const list = entry(file.tree, 'pipelines');
    const items = list?.kind === 'list' ? list.items : [];
    items.forEach((item, i) => {
      if (item.kind !== 'map') return;
      const name = text(entry(item, 'name'));
      if (name && pipelineNamePattern.test(name.value)) {
        const first = names.get(name.value);
        const shown = name.secret ? 'this name' : `"${name.value}"`;
        const message = `${shown} is already the name of the pipeline at ${first?.where}; names must be unique across all files`;
        if (first) problems.add(name.pos, `pipelines[${i}].name`, message);
        else names.set(name.value, { where: here(name.pos), label: name.value });
      }
      const sinks = entry(item, 'sinks');
      (sinks?.kind === 'list' ? sinks.items : []).forEach((sink, j) => {
        const kind = text(entry(sink, 'kind'));
        const target = text(entry(sink, 'path'));
        if (kind?.value !== 'file' || !target || target.value.startsWith('~')) return;
        const resolved = path.resolve(envLedPath(target.template) ? process.cwd() : dir, target.value);
        const first = sinkFiles.get(resolved);
        if (first) {
          const message = `this file is already written by the file sink at ${first.where} (${first.label}); give each file sink a file of its own`;
          problems.add(target.pos, `pipelines[${i}].sinks[${j}].path`, message);
        } else {
          sinkFiles.set(resolved, { where: here(target.pos), label: name && !name.secret ? `pipeline ${name.value}` : `pipeline ${i + 1}` });
        }
      });
    });
    for (const key of ['library', 'cache_dir']) {
      const value = text(entry(entry(file.tree, 'runtime'), key));
      if (!value || value.value.startsWith('~')) continue;
      const resolved = path.resolve(envLedPath(value.template) ? process.cwd() : dir, value.value);
      const first = runtime.get(key);
      if (first && first.value !== resolved) {
        const message = `differs from runtime.${key} at ${first.where}; all files must agree (one per edgepipe process)`;
        problems.add(value.pos, `runtime.${key}`, message);
      } else if (!first) runtime.set(key, { value: resolved, where: here(value.pos) });
    }
    out.push(...problems.problems);
  }
  return out;
}

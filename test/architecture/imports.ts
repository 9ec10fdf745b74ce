/**
 * The import graph of src/, read from the source text: relative import and export specifiers (static, dynamic and
 * type-only), resolved to files. Enough for the dependency rules; no bundler or package needed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** `from './x.js'`, `import './x.js'`, `import('./x.js')`; `.js` specifiers name the `.ts` file beside them. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Map from each file (relative to `root`, e.g. `src/core/frame.ts`) to the files it imports. */
export function importGraph(root: string, folder = 'src'): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(join(root, folder))) {
    // Comments would give false edges (a doc comment quoting an import): those that start a line are removed. Only
    // those: a `/*` inside a string (a glob such as '**/*.jpg') must not hide the imports after it.
    const text = readFileSync(file, 'utf8').replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => relative(root, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every import cycle, each as the list of files around it (the first repeated at the end), found once. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'active');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      const seen = state.get(next);
      if (seen === 'active') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

/**
 * The floors of src/, lowest first: a file imports only from its own floor or below. `core` is the vocabulary
 * every stage shares (frames, predictions, results, the logger, the stats report); every folder not named here
 * (sources, preprocess, postprocess, sinks, snapshot, stages, commands, config, runtime, ... and new stage
 * folders such as motion/ or tracking/) is a stage or a library on floor 1; `pipeline` assembles them; `service`
 * and `cli` run pipelines.
 */
export const FLOORS: Readonly<Record<string, number>> = { core: 0, pipeline: 2, service: 3, live: 3, cli: 3 };

/** The floor of `src/<folder>/...` (files directly in src/ count as floor 1). */
export function floorOf(file: string): { folder: string; floor: number } {
  const parts = file.split('/');
  const folder = parts.length > 2 ? parts[1]! : '';
  return { folder, floor: FLOORS[folder] ?? 1 };
}

/** Imports that go up a floor, or out of core to anything but core, as `from -> to` lines. */
export function floorViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = floorOf(file);
    for (const target of targets) {
      const to = floorOf(target);
      if (to.floor > from.floor || (from.folder === 'core' && to.folder !== 'core')) found.push(`${file} -> ${target}`);
    }
  }
  return found.sort();
}

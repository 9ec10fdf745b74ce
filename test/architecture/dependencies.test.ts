/**
 * The dependency rules of docs/architecture.md, checked on the source text: floors import only downwards (core
 * <- stages <- pipeline <- service/cli) and src/ has no import cycles.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, floorViolations, importGraph } from './imports.js';

const root = new URL('../..', import.meta.url).pathname;

describe('the import graph of src/', () => {
  const graph = importGraph(root);

  it('is read: every relative import resolves to a file of src/', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('src/sinks/types.ts')).toContain('src/core/frame.ts');
    const unresolved = [...graph].flatMap(([file, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${file} -> ${t}`));
    expect(unresolved).toEqual([]);
  });

  it('goes only downwards: no stage imports src/pipeline, src/pipeline imports neither src/service nor src/cli, core imports only core', () => {
    expect(floorViolations(graph)).toEqual([]);
  });

  it('has no cycles', () => {
    expect(cycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a stage importing the pipeline, the pipeline importing the cli, and core importing a stage', () => {
    const graph = new Map([
      ['src/sinks/file-sink.ts', ['src/pipeline/stats.ts', 'src/core/frame.ts', 'src/snapshot/annotate.ts']],
      ['src/pipeline/validate.ts', ['src/cli/suggest.ts', 'src/postprocess/guess.ts']],
      ['src/core/frame.ts', ['src/postprocess/types.ts']],
      ['src/motion/gate.ts', ['src/core/frame.ts', 'src/service/metrics.ts']],
    ]);
    expect(floorViolations(graph)).toEqual([
      'src/core/frame.ts -> src/postprocess/types.ts',
      'src/motion/gate.ts -> src/service/metrics.ts',
      'src/pipeline/validate.ts -> src/cli/suggest.ts',
      'src/sinks/file-sink.ts -> src/pipeline/stats.ts',
    ]);
  });

  it('find a cycle of two files and one of three, once each', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts', 'c.ts']],
      ['c.ts', ['d.ts']],
      ['d.ts', ['e.ts']],
      ['e.ts', ['c.ts']],
    ]);
    expect(cycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'a.ts'],
      ['c.ts', 'd.ts', 'e.ts', 'c.ts'],
    ]);
  });

  it('read type, dynamic and side-effect imports, and skip comments but not code after a `/*` in a string', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-imports-'));
    mkdirSync(path.join(dir, 'src', 'core'), { recursive: true });
    writeFileSync(
      path.join(dir, 'src', 'a.ts'),
      [
        '/** Quotes an import: from \'./ghost.js\' */',
        "// import { x } from './ghost2.js';",
        "const glob = '**/*.jpg';",
        "import type { B } from './b.js';",
        "import './c.js';",
        "export * from './core/d.js';",
        "const e = await import('./e.js');",
      ].join('\n'),
    );
    const graph = importGraph(dir);
    expect(graph.get('src/a.ts')).toEqual(['src/b.ts', 'src/c.ts', 'src/core/d.ts', 'src/e.ts']);
  });
});

/** The packages an npm-installed edgepipe needs from beside it, which install-service copies with it. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { externalDependencies } from '../../src/service/package-closure.js';

/** Writes node_modules trees: { 'node_modules/a': { dependencies: { c: '1' } }, ... } under a fresh folder. */
function layout(packages: Record<string, object>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'edgepipe-closure-'));
  for (const [dir, manifest] of Object.entries(packages)) {
    mkdirSync(path.join(root, dir), { recursive: true });
    writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify({ name: path.basename(dir), ...manifest }));
  }
  return root;
}

describe('externalDependencies', () => {
  it('follows dependencies the way Node finds them; nested copies travel with their parent; missing optional ones are skipped', () => {
    const app = layout({
      'node_modules/edgepipe': { dependencies: { a: '1', '@s/b': '1', own: '1' }, optionalDependencies: { 'other-platform': '1' } },
      'node_modules/edgepipe/node_modules/own': {},
      'node_modules/a': { dependencies: { c: '1' } },
      'node_modules/c': {},
      'node_modules/@s/b': { dependencies: { c: '2' }, peerDependencies: { absent: '1' }, peerDependenciesMeta: { absent: { optional: true } } },
      'node_modules/@s/b/node_modules/c': {},
      'node_modules/unrelated': {},
    });
    const modules = path.join(app, 'node_modules');
    expect(externalDependencies(path.join(modules, 'edgepipe'))).toEqual([
      { name: '@s/b', from: path.join(modules, '@s', 'b') },
      { name: 'a', from: path.join(modules, 'a') },
      { name: 'c', from: path.join(modules, 'c') },
    ]);
  });

  it('refuses a package that the copy\'s own node_modules would shadow', () => {
    const app = layout({
      'node_modules/edgepipe': { dependencies: { a: '1', c: '2' } },
      'node_modules/edgepipe/node_modules/c': {},
      'node_modules/a': { dependencies: { c: '1' } },
      'node_modules/c': {},
    });
    const modules = path.join(app, 'node_modules');
    expect(() => externalDependencies(path.join(modules, 'edgepipe'))).toThrow(
      `${path.join(modules, 'c')} is needed but ${path.join(modules, 'edgepipe', 'node_modules', 'c')} would take its place in the copy: install edgepipe on its own (npm install -g edgepipe) and run install-service from there`,
    );
  });

  it('refuses a missing dependency with what to run', () => {
    const app = layout({ 'node_modules/edgepipe': { dependencies: { gone: '1' } } });
    const edgepipe = path.join(app, 'node_modules', 'edgepipe');
    expect(() => externalDependencies(edgepipe)).toThrow(`gone, needed by ${edgepipe}, is not installed: run "npm install" where edgepipe was installed, then install-service again`);
  });
});

/**
 * The packages an installed edgepipe needs at run time that live outside its own folder. npm installs a package's
 * dependencies beside it (hoisted into the node_modules that holds it: /tmp/app/node_modules/{edgepipe,sharp,...}),
 * so copying edgepipe's folder alone (install-service, for a package the unit's sandbox cannot see) would leave a
 * copy that cannot start. Found the way Node resolves them: a package's own node_modules, then each parent's.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { EdgepipeError } from '../runtime/errors.js';

export interface ExternalDependency {
  /** The package name, scoped names included (`@img/sharp-linux-x64`): its folder under node_modules/. */
  name: string;
  /** Where it is installed. */
  from: string;
}

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/**
 * The folder `name` is found in from the package in `from`, walking up as Node does. Paths stay as they are
 * laid out (a symlinked node_modules is not resolved): that is the layout the copy, which follows symlinks, has.
 */
function resolvePackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

const inside = (dir: string, root: string) => dir === root || dir.startsWith(`${root}${path.sep}`);

/**
 * Every package outside `packageRoot` that it needs, directly or through another package (dependencies, installed
 * optional and peer dependencies), each once. Packages inside another one's folder come with that folder.
 * Refuses (ERR_USAGE) a layout a flat node_modules cannot reproduce: two versions of one name both needed from
 * outside, or one that edgepipe's own node_modules would shadow.
 */
export function externalDependencies(packageRoot: string): ExternalDependency[] {
  const root = path.resolve(packageRoot);
  const external = new Map<string, string>();
  const visited = new Set<string>([root]);
  const queue = [root];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const manifest = readManifest(dir);
    const optionalPeers = new Set(Object.entries(manifest.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional).map(([name]) => name));
    const wanted: Array<[string, boolean]> = [
      ...Object.keys(manifest.dependencies ?? {}).map((name): [string, boolean] => [name, false]),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name): [string, boolean] => [name, true]),
      ...Object.keys(manifest.peerDependencies ?? {}).map((name): [string, boolean] => [name, optionalPeers.has(name)]),
    ];
    for (const [name, optional] of wanted) {
      const found = resolvePackage(name, dir);
      if (!found) {
        if (optional) continue; // another platform's binary, or a peer nobody installed
        throw new EdgepipeError('ERR_USAGE', `${name}, needed by ${dir}, is not installed: run "npm install" where edgepipe was installed, then install-service again`, { exitCode: 2 });
      }
      if (visited.has(found)) continue;
      visited.add(found);
      queue.push(found);
      // Inside edgepipe's folder or another copied package's own node_modules: it travels with that folder.
      if (inside(found, root) || [...external.values()].some((copied) => inside(found, copied))) continue;
      const seen = external.get(name);
      if (seen !== undefined && realpathSync(seen) !== realpathSync(found)) {
        throw new EdgepipeError('ERR_USAGE', `two copies of ${name} (${seen}, ${found}) are needed from outside ${root}: install edgepipe on its own (npm install -g edgepipe) and run install-service from there`, { exitCode: 2 });
      }
      const shadow = path.join(root, 'node_modules', name);
      if (existsSync(shadow) && realpathSync(shadow) !== realpathSync(found)) {
        throw new EdgepipeError('ERR_USAGE', `${found} is needed but ${shadow} would take its place in the copy: install edgepipe on its own (npm install -g edgepipe) and run install-service from there`, { exitCode: 2 });
      }
      external.set(name, found);
    }
  }
  return [...external].map(([name, from]) => ({ name, from })).sort((a, b) => a.name.localeCompare(b.name));
}

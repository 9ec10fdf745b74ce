import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The edgepipe package folder (holding package.json, build/, delegates/), found by walking up from this module:
 * the same code runs from src/ under vitest, from dist/ and from dist-bench/.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'edgepipe') {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`edgepipe's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * A small path-glob matcher (Node 20 has no fs.glob; no dependency for this): `*` and `?` within one path
 * segment, `**` as a whole segment for any number of directories. Like the shells, wildcards do not match a
 * leading dot. Brackets and braces are literal characters.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Whether `p` contains a wildcard (`*` or `?`). */
export function hasGlobChars(p: string): boolean {
  return /[*?]/.test(p);
}

export interface GlobPattern {
  /** The directory before the first segment with a wildcard (absolute). */
  base: string;
  /** The remaining segments, matched against paths relative to `base`. */
  segments: string[];
  /** Matches a `/`-separated path relative to `base`. */
  regex: RegExp;
  /** Whether a `**` segment allows any depth. */
  recursive: boolean;
}

const escapeRegex = (text: string): string => text.replace(/[.+^${}()|[\]\\/]/g, '\\$&');

function segmentToRegex(segment: string): string {
  const body = segment
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : escapeRegex(c)))
    .join('');
  return /^[*?]/.test(segment) ? `(?!\\.)${body}` : body;
}

/** Parses an absolute (or cwd-relative) glob into its static base directory and a matcher for the rest. */
export function compileGlob(pattern: string): GlobPattern {
  const absolute = path.resolve(pattern);
  const parts = absolute.split('/');
  const first = parts.findIndex((part) => hasGlobChars(part));
  const base = parts.slice(0, first).join('/') || '/';
  const segments = parts.slice(first).filter((part) => part !== '');
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') source += last ? '(?:(?!\\.)[^/]+/)*(?!\\.)[^/]+' : '(?:(?!\\.)[^/]+/)*';
    else source += segmentToRegex(segment) + (last ? '' : '/');
  });
  return { base, segments, regex: new RegExp(`^${source}$`), recursive: segments.includes('**') };
}

/**
 * The files matching `pattern`, as absolute paths (unsorted). Walks `base` asynchronously, no deeper than the
 * pattern's segment count unless it has `**`; under `**`, symbolic links to directories are not followed
 * (no cycles) and dot-directories are not entered.
 */
export async function expandGlob(pattern: string): Promise<string[]> {
  const glob = compileGlob(pattern);
  const found: string[] = [];
  const maxDepth = glob.recursive ? Infinity : glob.segments.length;
  const walk = async (dir: string, relative: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined);
        isFile = target?.isFile() ?? false;
        isDirectory = !glob.recursive && (target?.isDirectory() ?? false);
      }
      if (isFile && glob.regex.test(rel)) found.push(full);
      if (isDirectory && depth + 1 < maxDepth && !(glob.recursive && entry.name.startsWith('.'))) {
        await walk(full, rel, depth + 1);
      }
    }
  };
  await walk(glob.base, '', 0);
  return found;
}

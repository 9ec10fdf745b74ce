/**
 * The page's static files, shipped in the package's web/ folder. The allowlist is built once at start by listing
 * that folder (regular files only, symbolic links skipped, one level of subfolders), and the files are read then:
 * a URL only ever selects an entry of that list by exact, undecoded name, so no path from a request reaches the
 * file system (`..`, `%2e%2e`, encoded slashes and NUL bytes are simply names that are not in the list).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import { SECURITY_HEADERS } from './http-util.js';

/** Together, at most this much is served (the page's budget is 200 KB): a stray large file is left out and logged. */
export const MAX_STATIC_BYTES = 2 * 1024 * 1024;

export const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data: blob:";

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const safeName = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface StaticFile {
  type: string;
  body: Buffer;
}

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();
  /** Files left out (unknown type, too large, unreadable), for one log line. */
  readonly skipped: string[] = [];

  constructor(root: string) {
    let total = 0;
    const visit = (dir: string, prefix: string, depth: number): void => {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const name of names) {
        if (!safeName.test(name)) continue;
        const full = path.join(dir, name);
        const stats = lstatSync(full);
        if (stats.isDirectory() && depth < 1) visit(full, `${prefix}${name}/`, depth + 1);
        if (!stats.isFile()) continue;
        const type = TYPES[path.extname(name).toLowerCase()];
        if (!type || total + stats.size > MAX_STATIC_BYTES) {
          this.skipped.push(`${prefix}${name}`);
          continue;
        }
        const body = readFileSync(full);
        total += body.byteLength;
        this.files.set(`${prefix}${name}`, { type, body });
      }
    };
    visit(root, '', 0);
  }

  /** The names served under /static/. */
  names(): string[] {
    return [...this.files.keys()];
  }

  /** Serves `name` (exactly as in the URL, not decoded); false when it is not in the list. */
  serve(name: string, response: http.ServerResponse): boolean {
    const file = this.files.get(name);
    if (!file) return false;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'content-length': file.body.byteLength,
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
    response.end(response.req.method === 'HEAD' ? undefined : file.body);
    return true;
  }
}

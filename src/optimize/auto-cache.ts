// The cache of `model.optimize: auto`: converted models (and conversion refusals) kept by the SHA-256 of the source
// model, so a restart or a reboot does not convert again. Files in <cache_dir>/optimize:
//   <source sha256>-r<revision>.tflite   the converted model
//   <source sha256>-r<revision>.json     what the conversion came to (the converted file's sha256, or the refusal)
// Written as temp + rename (a reader sees a whole entry or none); the .json goes last, so an entry without one is
// ignored. Bounded: the MAX_ENTRIES entries used most recently are kept (a hit touches its .json).
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConversionSummary } from './convert.js';
import { CONVERTER_REVISION } from './convert.js';

/** Entries kept: a device runs a few models; each converted model is about the size of its source. */
export const MAX_ENTRIES = 4;
/** Temp files older than this are left by a process that died while writing: removed at the next store. */
const STALE_TEMP_MS = 10 * 60_000;

export type CachedConversion =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly summary: ConversionSummary }
  | { readonly ok: false; readonly reason: string };

interface StoredRecord {
  format: 1;
  source: string;
  revision: number;
  ok: boolean;
  sha256?: string;
  summary?: ConversionSummary;
  reason?: string;
}

/** runtime.cache_dir, else $XDG_CACHE_HOME/edgepipe, else ~/.cache/edgepipe (the same root the probe uses). */
export function defaultCacheRoot(configured: string | undefined): string {
  if (configured) return configured;
  return path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'edgepipe');
}

export class OptimizeCache {
  /** @param dir the cache folder itself (<cache_dir>/optimize) */
  constructor(readonly dir: string) {}

  /**
   * Creates the folder (0700) if needed and checks it is a real folder of this user that others cannot write
   * (another user's files would become the model this process runs). Returns why it cannot be used, or undefined.
   */
  async prepare(): Promise<string | undefined> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const info = await lstat(this.dir);
      if (info.isSymbolicLink() || !info.isDirectory()) return `${this.dir} is not a folder`;
      const uid = process.getuid?.();
      if (uid !== undefined && info.uid !== uid) return `${this.dir} belongs to uid ${info.uid}, not to this process (uid ${uid})`;
      if ((info.mode & 0o022) !== 0) return `${this.dir} is writable by other users (mode ${(info.mode & 0o777).toString(8)})`;
      return undefined;
    } catch (error) {
      return `cannot create ${this.dir}: ${(error as Error).message}`;
    }
  }

  private base(sourceSha256: string): string {
    return path.join(this.dir, `${sourceSha256}-r${CONVERTER_REVISION}`);
  }

  /** The stored conversion of this source model, or undefined (missing, partial, corrupt: a miss). */
  async lookup(sourceSha256: string): Promise<CachedConversion | undefined> {
    const base = this.base(sourceSha256);
    let record: StoredRecord;
    try {
      record = JSON.parse(await readFile(`${base}.json`, 'utf8')) as StoredRecord;
    } catch {
      return undefined;
    }
    if (record.format !== 1 || record.source !== sourceSha256 || record.revision !== CONVERTER_REVISION) return undefined;
    let entry: CachedConversion | undefined;
    if (!record.ok && typeof record.reason === 'string') entry = { ok: false, reason: record.reason };
    if (record.ok && typeof record.sha256 === 'string' && record.summary) {
      try {
        const bytes = new Uint8Array(await readFile(`${base}.tflite`));
        // A file changed or cut short since it was written is a miss, never a model to run.
        if (createHash('sha256').update(bytes).digest('hex') === record.sha256) entry = { ok: true, bytes, summary: record.summary };
      } catch {
        return undefined;
      }
    }
    if (entry) {
      const now = new Date();
      await utimes(`${base}.json`, now, now).catch(() => undefined);
    }
    return entry;
  }

  /** Stores a conversion (best effort: a full disk costs a conversion at the next start, nothing else). */
  async store(sourceSha256: string, entry: CachedConversion): Promise<void> {
    const base = this.base(sourceSha256);
    const record: StoredRecord = { format: 1, source: sourceSha256, revision: CONVERTER_REVISION, ok: entry.ok };
    if (entry.ok) {
      record.sha256 = createHash('sha256').update(entry.bytes).digest('hex');
      record.summary = entry.summary;
      await atomicWrite(`${base}.tflite`, entry.bytes);
    } else {
      record.reason = entry.reason;
      await rm(`${base}.tflite`, { force: true }).catch(() => undefined);
    }
    await atomicWrite(`${base}.json`, `${JSON.stringify(record)}\n`);
    await this.prune();
  }

  /** Keeps the MAX_ENTRIES entries used last; removes the others and temp files left by a crash. */
  async prune(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    const entries: { base: string; usedMs: number }[] = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.tmp')) {
        const info = await stat(file).catch(() => undefined);
        if (info && now - info.mtimeMs > STALE_TEMP_MS) await rm(file, { force: true }).catch(() => undefined);
      } else if (name.endsWith('.json')) {
        const info = await stat(file).catch(() => undefined);
        if (info) entries.push({ base: file.slice(0, -'.json'.length), usedMs: info.mtimeMs });
      }
    }
    const keep = new Set(entries.sort((a, b) => b.usedMs - a.usedMs).slice(0, MAX_ENTRIES).map((e) => e.base));
    for (const name of names) {
      if (!name.endsWith('.json') && !name.endsWith('.tflite')) continue;
      const base = path.join(this.dir, name.replace(/\.(json|tflite)$/, ''));
      if (!keep.has(base)) await rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
    }
  }
}

async function atomicWrite(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

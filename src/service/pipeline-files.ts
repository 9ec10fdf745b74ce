/**
 * The files a pipeline reads besides its YAML (the model, the labels file), read once per start or reload and held
 * with the pipeline's spec. A reload compares their SHA-256, so a replaced model or labels file changes the
 * pipeline as an edit of its config would; the new model is probed from these bytes before anything is swapped;
 * and the pipeline runs these bytes, not whatever the path holds later, so a rollback runs the previous model even
 * when the file on disk is now garbage. Cost: the model's size once per running pipeline (the loaded Model keeps
 * the same buffer), and during a reload the previous one's too.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { PipelineConfig } from '../config/types.js';

/** A file's content and hash, or why it could not be read. */
export type HeldFile = { path: string; sha256: string; bytes: Buffer } | { path: string; error: string };

export interface PipelineFiles {
  model: HeldFile;
  labels?: HeldFile;
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'cannot read: no such file';
  if (code === 'EISDIR') return 'cannot read: is a directory';
  return `cannot read: ${code ?? (error as Error).message}`;
}

async function hold(file: string): Promise<HeldFile> {
  try {
    const bytes = await readFile(file);
    return { path: file, sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
  } catch (error) {
    return { path: file, error: describeReadError(error) };
  }
}

/** Reads the model and labels files of `config`; never throws (a read error is kept and reported by whoever uses it). */
export async function readPipelineFiles(config: PipelineConfig, cache = new Map<string, Promise<HeldFile>>()): Promise<PipelineFiles> {
  const read = (file: string): Promise<HeldFile> => {
    let held = cache.get(file);
    if (!held) cache.set(file, (held = hold(file)));
    return held;
  };
  const model = await read(config.model.file);
  return config.model.labels === undefined ? { model } : { model, labels: await read(config.model.labels) };
}

/** `specs` with their files read (those already holding theirs kept); pipelines naming the same file share one read and one buffer. */
export async function withFiles<T extends { config: PipelineConfig; files?: PipelineFiles }>(specs: readonly T[]): Promise<Array<T & { files: PipelineFiles }>> {
  const cache = new Map<string, Promise<HeldFile>>();
  return Promise.all(specs.map(async (spec) => ({ ...spec, files: spec.files ?? (await readPipelineFiles(spec.config, cache)) })));
}

/** What a reload compares: each file's hash, or its read error. */
export function fileIdentities(files: PipelineFiles | undefined): unknown {
  if (!files) return undefined;
  const identity = (file: HeldFile | undefined): string | undefined => (file === undefined ? undefined : 'error' in file ? `error: ${file.error}` : file.sha256);
  return { model: identity(files.model), labels: identity(files.labels) };
}

/**
 * The held contents for a Pipeline's context. A file that could not be read, or an empty model, is left out: the
 * pipeline then reads the path itself and fails with its usual message (and is retried by its supervisor).
 */
export function heldContents(files: PipelineFiles | undefined): { model?: Uint8Array; labels?: string } | undefined {
  if (!files) return undefined;
  const model = 'bytes' in files.model && files.model.bytes.byteLength > 0 ? files.model.bytes : undefined;
  const labels = files.labels && 'bytes' in files.labels ? files.labels.bytes.toString('utf8') : undefined;
  return { ...(model ? { model } : {}), ...(labels !== undefined ? { labels } : {}) };
}

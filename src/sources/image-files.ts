/**
 * Which files an images source reads: a file, a directory's images (sorted by name) or a glob's matches.
 * Only listing happens here; contents are read one at a time by the source.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError, errnoCode, sourceError } from './errors.js';
import { expandGlob, hasGlobChars } from './glob.js';

/** Extensions sharp decodes that the images source picks up from directories and globs (any case). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

export type FileKind = 'image' | 'bmp' | 'other';

/** By extension: images we read, BMP (reported: sharp cannot decode it), anything else (ignored). */
export function classifyFile(name: string): FileKind {
  const ext = path.extname(name).toLowerCase();
  if ((IMAGE_EXTENSIONS as readonly string[]).includes(ext)) return 'image';
  if (ext === '.bmp' || ext === '.dib') return 'bmp';
  return 'other';
}

/**
 * Whether a directory entry is a candidate: dot-files are skipped (writers use `.name.tmp` files before renaming
 * into place, and editors leave `.name.swp`).
 */
export function isCandidateName(name: string): boolean {
  return !name.startsWith('.');
}

/** Code-unit order of the full path: deterministic and locale-independent (`img10` sorts before `img2`). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ImageListing {
  mode: 'file' | 'directory' | 'glob';
  /** Absolute paths, sorted. */
  files: string[];
  /** BMP files found and left out (directory and glob modes). */
  bmp: string[];
  /** The directory itself in directory mode. */
  directory?: string;
}

/** A message for BMP files that were left out, naming up to three. */
export function bmpMessage(files: readonly string[]): string {
  const names = files.slice(0, 3).map((f) => path.basename(f));
  const more = files.length > 3 ? ` and ${files.length - 3} more` : '';
  return `${files.length} BMP file(s) left out (${names.join(', ')}${more}): sharp cannot decode BMP; convert them to PNG`;
}

/**
 * Lists what `imagesPath` names. Errors (EdgepipeError naming `source`): the path is missing, a single file is a
 * BMP. An empty listing is not an error here (a watched directory may fill later); the caller decides.
 */
export async function listImages(source: string, imagesPath: string): Promise<ImageListing> {
  const absolute = path.resolve(imagesPath);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && hasGlobChars(imagesPath)) return listGlob(source, absolute);
    throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${absolute}: ${describeFsError(error)}`, error);
  }
  if (info.isDirectory()) return listDirectory(absolute);
  if (classifyFile(absolute) === 'bmp') {
    throw sourceError(source, 'ERR_SOURCE_UNSUPPORTED', `${absolute}: BMP images are not supported (sharp cannot decode BMP); convert it to PNG`);
  }
  // A file named explicitly is read whatever its extension: sharp detects the format from the content.
  return { mode: 'file', files: [absolute], bmp: [] };
}

async function listDirectory(directory: string): Promise<ImageListing> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  const bmp: string[] = [];
  for (const entry of entries) {
    if (!isCandidateName(entry.name)) continue;
    const full = path.join(directory, entry.name);
    const kind = classifyFile(entry.name);
    if (kind === 'other') continue;
    const isFile = entry.isFile() || (entry.isSymbolicLink() && ((await stat(full).catch(() => undefined))?.isFile() ?? false));
    if (!isFile) continue;
    (kind === 'image' ? files : bmp).push(full);
  }
  return { mode: 'directory', files: files.sort(compareNames), bmp: bmp.sort(compareNames), directory };
}

async function listGlob(source: string, pattern: string): Promise<ImageListing> {
  let matches: string[];
  try {
    matches = await expandGlob(pattern);
  } catch (error) {
    const where = (error as { path?: unknown }).path;
    const at = typeof where === 'string' && where !== pattern ? `${where}: ` : '';
    throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${pattern}: ${at}${describeFsError(error)}`, error);
  }
  const files = matches.filter((f) => classifyFile(f) === 'image').sort(compareNames);
  const bmp = matches.filter((f) => classifyFile(f) === 'bmp').sort(compareNames);
  return { mode: 'glob', files, bmp };
}

/**
 * Reading the files a configuration names without trusting them: regular files only (a FIFO blocks its reader
 * until a writer comes, /dev/zero never ends), the size checked before anything is read, and the read itself
 * capped in case the file grows meanwhile. The path is stat-ed first, so devices and FIFOs are not even opened;
 * then it is opened with O_NONBLOCK (opening a FIFO swapped in since does not wait for a writer) and the open
 * descriptor fstat-ed again, which is what the read trusts.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { formatLimit, formatSize } from './limits.js';

/** Why a file was not read. */
export type Refusal =
  | { kind: 'not-regular'; found: string }
  | { kind: 'too-big'; bytes: number; maxBytes: number }
  | { kind: 'error'; code: string };

export type ReadOutcome = { text: string } | { refused: Refusal };

// O_NONBLOCK does not exist on Windows, where opening a named pipe does not wait either.
const openFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

const errorTexts: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
  ENXIO: 'it is a socket or a device without a driver, not a regular file',
};

/** `a FIFO (named pipe)`, or undefined for a regular file. */
function notRegular(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function check(stats: Stats, maxBytes: number): Refusal | undefined {
  const found = notRegular(stats);
  if (found) return { kind: 'not-regular', found };
  if (stats.size > maxBytes) return { kind: 'too-big', bytes: stats.size, maxBytes };
  return undefined;
}

function errorRefusal(error: unknown): { refused: Refusal } {
  const code = (error as NodeJS.ErrnoException).code;
  if (!code) throw error;
  return { refused: { kind: 'error', code } };
}

/**
 * The refusal as the end of a sentence about the file (`subject` is `it` or `the file`):
 * `it is a FIFO (named pipe), not a regular file`, `the file is 2,000,024 bytes (1.9 MiB), more than the 1 MiB
 * limit for a pipeline file`, `no such file`.
 */
export function refusalText(refusal: Refusal, subject: string, limitFor: string): string {
  if (refusal.kind === 'not-regular') return `${subject} is ${refusal.found}, not a regular file`;
  if (refusal.kind === 'too-big') {
    return `${subject} is ${formatSize(refusal.bytes)}, more than the ${formatLimit(refusal.maxBytes)} limit for ${limitFor}`;
  }
  return errorTexts[refusal.code] ?? refusal.code;
}

/** Reads a regular file of at most `maxBytes` bytes as UTF-8 text; never blocks on a FIFO or device. */
export async function readRegularFile(file: string, maxBytes: number): Promise<ReadOutcome> {
  try {
    const early = check(await stat(file), maxBytes);
    if (early) return { refused: early };
    const handle = await open(file, openFlags);
    try {
      const stats = await handle.stat();
      const refused = check(stats, maxBytes);
      if (refused) return { refused };
      // One byte more than allowed: reading it means the file grew past the limit since fstat. Not sized from
      // fstat: files in /proc and /sys say 0 bytes and have content.
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > maxBytes) return { refused: { kind: 'too-big', bytes: Math.max(length, stats.size), maxBytes } };
      return { text: buffer.toString('utf8', 0, length) };
    } finally {
      await handle.close();
    }
  } catch (error) {
    return errorRefusal(error);
  }
}

/** readRegularFile for the synchronous interpolation pass: small files only (`maxBytes` is a few KiB). */
export function readRegularFileSync(file: string, maxBytes: number): ReadOutcome {
  try {
    const early = check(statSync(file), maxBytes);
    if (early) return { refused: early };
    const fd = openSync(file, openFlags);
    try {
      const stats = fstatSync(fd);
      const refused = check(stats, maxBytes);
      if (refused) return { refused };
      const buffer = Buffer.alloc(maxBytes + 1);
      let length = 0;
      while (length < buffer.length) {
        const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > maxBytes) return { refused: { kind: 'too-big', bytes: Math.max(length, stats.size), maxBytes } };
      return { text: buffer.toString('utf8', 0, length) };
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return errorRefusal(error);
  }
}

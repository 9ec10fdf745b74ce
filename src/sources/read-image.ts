/** Reads one image file for an images source: asynchronously, with its identity, refusing what cannot be decoded. */
import { open } from 'node:fs/promises';
import { describeFsError, errnoCode } from './errors.js';
import { fileSignature } from './dir-watcher.js';

/** Larger files are refused rather than read into memory (a 24-megapixel PNG is ~70 MB), bytes. */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;

export type ImageRead =
  | { ok: true; bytes: Uint8Array; signature: string }
  | { ok: false; reason: 'gone' | 'empty' | 'bmp' | 'too-large' | 'unreadable'; detail: string };

/**
 * Reads `file` whole. Aborting `signal` rejects with an AbortError (the handle is closed either way). BMP is
 * recognised by its `BM` signature whatever the file is called (JPEG, PNG and WebP start differently).
 */
export async function readImageFile(file: string, signal: AbortSignal): Promise<ImageRead> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { ok: false, reason: 'gone', detail: `${file}: gone before it was read` };
    return { ok: false, reason: 'unreadable', detail: `${file}: ${describeFsError(error)}` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'unreadable', detail: `${file}: not a regular file` };
    if (info.size === 0) return { ok: false, reason: 'empty', detail: `${file}: empty file` };
    if (info.size > MAX_IMAGE_BYTES) {
      return { ok: false, reason: 'too-large', detail: `${file}: ${info.size} bytes is more than the ${MAX_IMAGE_BYTES} an image may have` };
    }
    let bytes: Uint8Array;
    try {
      bytes = await handle.readFile({ signal });
    } catch (error) {
      if (signal.aborted) throw error;
      return { ok: false, reason: 'unreadable', detail: `${file}: ${describeFsError(error)}` };
    }
    if (bytes[0] === 0x42 && bytes[1] === 0x4d) {
      return { ok: false, reason: 'bmp', detail: `${file}: BMP images are not supported (sharp cannot decode BMP); convert it to PNG` };
    }
    return { ok: true, bytes, signature: fileSignature(info) };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

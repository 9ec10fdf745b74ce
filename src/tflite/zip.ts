// A minimal reader for the zip archive that TFLite metadata appends to a model
// (the populated .tflite file is both a flatbuffer and a zip). Supports what the metadata
// populators write: one disk, no zip64, no encryption, methods "stored" and "deflate".
// Format: PKWARE APPNOTE.TXT sections 4.3.7 (local header), 4.3.12 (central directory),
// 4.3.16 (end of central directory).
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';
import { formatFailure, type FormatFailure } from './errors.js';

/** One file in the archive (sizes in bytes; offsets absolute in the whole file). */
export interface ZipEntry {
  readonly name: string;
  readonly method: 'store' | 'deflate';
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** Absolute offset of the entry's local header. */
  readonly headerOffset: number;
}

/** The archive's directory, with a reader that checks each file's CRC. */
export interface ZipArchive {
  readonly entries: readonly ZipEntry[];
  /** The uncompressed content of the entry called `name`, or undefined if there is none. */
  read(name: string): Uint8Array | undefined;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/**
 * Finds the zip archive at the end of `bytes` (e.g. a .tflite file with packed associated files)
 * and reads its central directory; undefined if there is no archive.
 *
 * @param fileName used in TfliteFormatError messages when the archive is malformed
 */
export function openZip(bytes: Uint8Array, fileName = '<buffer>'): ZipArchive | undefined {
  return openZipWith(bytes, formatFailure(fileName));
}

/**
 * openZip() reporting problems through `fail`. The archive is located by its End Of Central
 * Directory record (possibly followed by a comment) at the end of `bytes`. Offsets in the directory may be relative to the archive start or to the file start
 * (both exist for appended archives); the difference is measured, as Info-ZIP and Python do.
 *
 * @param fail called with the cause when the archive exists but is malformed
 */
export function openZipWith(bytes: Uint8Array, fail: FormatFailure): ZipArchive | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(bytes, view);
  if (eocd < 0) return undefined;
  const u16 = (p: number): number => view.getUint16(p, true);
  const u32 = (p: number): number => view.getUint32(p, true);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) fail('zip: multi-disk archives are not supported');
  const count = u16(eocd + 10);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail('zip: zip64 archives are not supported');
  const cdStart = eocd - cdSize;
  const shift = cdStart - cdOffset;
  if (cdStart < 0 || shift < 0) fail(`zip: central directory (${cdSize} bytes at offset ${cdOffset}) does not fit before its end record at ${eocd}`);

  const entries: ZipEntry[] = [];
  let p = cdStart;
  for (let i = 0; i < count; i++) {
    if (p + 46 > eocd || u32(p) !== CENTRAL_SIGNATURE) fail(`zip: central directory entry ${i} at offset ${p} is corrupt`);
    const flags = u16(p + 8);
    const methodCode = u16(p + 10);
    const nameLength = u16(p + 28);
    const next = p + 46 + nameLength + u16(p + 30) + u16(p + 32);
    if (next > eocd) fail(`zip: central directory entry ${i} runs past the directory end`);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength));
    if (flags & 1) fail(`zip: "${name}" is encrypted`);
    if (methodCode !== 0 && methodCode !== 8) fail(`zip: "${name}" uses compression method ${methodCode} (only stored and deflate are supported)`);
    entries.push({
      name,
      method: methodCode === 0 ? 'store' : 'deflate',
      crc32: u32(p + 16),
      compressedSize: u32(p + 20),
      size: u32(p + 24),
      headerOffset: u32(p + 42) + shift,
    });
    p = next;
  }

  return {
    entries,
    read(name: string): Uint8Array | undefined {
      const entry = entries.find((e) => e.name === name);
      return entry === undefined ? undefined : readEntry(bytes, view, entry, fail);
    },
  };
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  const last = bytes.length - EOCD_SIZE;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let p = last; p >= first; p--) {
    // The record is the one whose comment ends exactly at the end of the file.
    if (bytes[p] === 0x50 && view.getUint32(p, true) === EOCD_SIGNATURE && p + EOCD_SIZE + view.getUint16(p + 20, true) === bytes.length) {
      return p;
    }
  }
  return -1;
}

function readEntry(bytes: Uint8Array, view: DataView, e: ZipEntry, fail: FormatFailure): Uint8Array {
  const h = e.headerOffset;
  if (h < 0 || h + 30 > bytes.length || view.getUint32(h, true) !== LOCAL_SIGNATURE) {
    fail(`zip: local header of "${e.name}" at offset ${h} is missing or corrupt`);
  }
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + e.compressedSize;
  if (end > bytes.length) fail(`zip: truncated: data of "${e.name}" (${e.compressedSize} bytes at offset ${start}) beyond end (size ${bytes.length})`);
  const stored = bytes.subarray(start, end);
  let data: Uint8Array = stored;
  if (e.method === 'deflate') {
    try {
      // maxOutputLength bounds memory if the declared size lies (zip bomb).
      const inflated = inflateRawSync(stored, { maxOutputLength: Math.max(e.size, 1) });
      data = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength); // a plain Uint8Array, not a Buffer
    } catch (err) {
      fail(`zip: cannot inflate "${e.name}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (data.length !== e.size) fail(`zip: "${e.name}" is ${data.length} bytes, its directory says ${e.size}`);
  if (crc32(data) !== e.crc32) fail(`zip: CRC mismatch in "${e.name}"`);
  return data;
}

// Writes the zip archive that carries a model's associated files (labels, vocabularies), to be
// appended to the model flatbuffer as the TFLite metadata populator does. Layout per PKWARE
// APPNOTE.TXT 4.3; fixed timestamps so the same input gives the same bytes.
import { deflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';

/** A file to pack: text is stored as UTF-8. */
export interface PackedFileSpec {
  readonly name: string;
  readonly data: Uint8Array | string;
  /** Default `deflate`; `store` keeps the bytes as they are. */
  readonly compression?: 'store' | 'deflate';
}

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const UTF8_NAME_FLAG = 1 << 11;

/**
 * Builds a zip archive of `files` whose offsets are absolute once the archive is placed at
 * `baseOffset` in the final file (the length of the flatbuffer it is appended to), so that
 * ordinary unzip tools read the model file without complaint.
 */
export function buildZip(files: readonly PackedFileSpec[], baseOffset: number): Uint8Array {
  const encoder = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = encoder.encode(f.name);
    const data = typeof f.data === 'string' ? encoder.encode(f.data) : f.data;
    const deflate = (f.compression ?? 'deflate') === 'deflate';
    const stored = deflate ? new Uint8Array(deflateRawSync(data)) : data;
    const crc = crc32(data);
    const common = (view: DataView, at: number): void => {
      view.setUint16(at, 20, true); // version needed: 2.0 (deflate)
      view.setUint16(at + 2, UTF8_NAME_FLAG, true);
      view.setUint16(at + 4, deflate ? 8 : 0, true);
      view.setUint16(at + 6, 0, true); // time 00:00:00
      view.setUint16(at + 8, DOS_DATE_1980_01_01, true);
      view.setUint32(at + 10, crc, true);
      view.setUint32(at + 14, stored.length, true);
      view.setUint32(at + 18, data.length, true);
      view.setUint16(at + 22, name.length, true);
      view.setUint16(at + 24, 0, true); // extra length
    };
    const local = new Uint8Array(30 + name.length + stored.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    common(lv, 4);
    local.set(name, 30);
    local.set(stored, 30 + name.length);

    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true); // version made by
    common(cv, 6);
    // comment length, disk, internal and external attributes stay 0
    cv.setUint32(42, baseOffset + offset, true);
    central.set(name, 46);

    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, baseOffset + offset, true);
  return concatBytes([...locals, ...centrals, end]);
}

/** Concatenates byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

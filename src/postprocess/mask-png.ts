/**
 * Indexed-colour PNG (colour type 3, 8 bits) of a class map: pixel value = class index, so tools read class ids
 * straight from the file (PIL `Image.open(f)`, as PASCAL VOC's SegmentationClass PNGs), and viewers show the
 * VOC colours. Written here rather than with sharp because sharp's palette output re-quantises with
 * libimagequant and renumbers the palette, losing the class ids. Spec: https://www.w3.org/TR/png-3/
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../tflite/crc32.js';

/** The PASCAL VOC colour map (256 RGB triples): class bits spread over the high bits of R, G and B. */
export function vocPalette(): Uint8Array {
  const palette = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i += 1) {
    let [r, g, b, c] = [0, 0, 0, i];
    for (let bit = 7; bit >= 0; bit -= 1) {
      r |= (c & 1) << bit;
      g |= ((c >> 1) & 1) << bit;
      b |= ((c >> 2) & 1) << bit;
      c >>= 3;
    }
    palette.set([r, g, b], i * 3);
  }
  return palette;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes `indices` (row-major, one byte per pixel) with `palette` (RGB triples, up to 256). */
export function encodeIndexedPng(width: number, height: number, indices: Uint8Array, palette: Uint8Array): Buffer {
  if (indices.length !== width * height) throw new RangeError(`mask has ${indices.length} pixels, not ${width}x${height}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // bit depth 8, colour type 3 (palette), deflate, adaptive filters, no interlace
  const rows = Buffer.alloc((width + 1) * height); // each row: filter type 0 (None), then the indices
  for (let y = 0; y < height; y += 1) rows.set(indices.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('PLTE', palette),
    chunk('IDAT', deflateSync(rows, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

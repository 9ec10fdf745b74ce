/**
 * The small grey copy motion is found on: an area-average (box) downscale of the frame's luma, in plain
 * TypeScript, straight from the bytes the source delivered. Camera YUV needs no conversion (the Y plane is the
 * grey image); RGB and BGR are weighted to BT.601 luma (77 R + 150 G + 29 B) / 256.
 *
 * Each small pixel averages a whole block of source pixels: block edges are at floor(i * W / w), so every source
 * pixel counts exactly once and blocks differ in size by at most one pixel per axis. Averaging k x k pixels also
 * divides sensor noise by k, which is what lets the contrast gain (background.ts) amplify faint changes.
 * Limited-range YUV (Y 16-235, what cameras and ffmpeg's yuv420p deliver) is expanded to 0-255 so that a
 * threshold means the same for an RGB and a YUV source of the same scene.
 */
import type { RawPixelFormat } from '../core/frame.js';
import { EdgepipeError } from '../runtime/errors.js';

/** A raw frame as sources deliver it (the `raw` ImagePayload of src/pipeline/frame.ts, without its `kind`). */
export interface RawImage {
  format: RawPixelFormat;
  width: number;
  height: number;
  data: Uint8Array;
}

/** How source pixels fold into the small grid; depends only on the source size and the target height. */
export interface GreyGrid {
  sourceWidth: number;
  sourceHeight: number;
  /** Size of the grey copy. */
  width: number;
  height: number;
  /** Source column where small column i starts: xStart[i] (xStart[width] = sourceWidth). */
  xStart: Int32Array;
  /** Source row where small row j starts: yStart[j] (yStart[height] = sourceHeight). */
  yStart: Int32Array;
  /** 1 / (pixels of the block) for column i in a row of `rowsLow` source rows (first half) or one more (second). */
  rowsLow: number;
  reciprocal: Float64Array;
  /** Every block is 4 source pixels wide. */
  blockBytes4: boolean;
}

/** The grid for a `sourceWidth` x `sourceHeight` frame at `height` rows (the source's own height when smaller). */
export function greyGrid(sourceWidth: number, sourceHeight: number, height: number): GreyGrid {
  const h = Math.max(1, Math.min(height, sourceHeight));
  const w = Math.max(1, Math.min(sourceWidth, Math.round((sourceWidth * h) / sourceHeight)));
  const edges = (n: number, of: number): Int32Array => {
    const out = new Int32Array(n + 1);
    for (let i = 0; i <= n; i += 1) out[i] = Math.floor((i * of) / n);
    return out;
  };
  const xStart = edges(w, sourceWidth);
  const rowsLow = Math.floor(sourceHeight / h);
  // Block heights are rowsLow or rowsLow + 1: dividing by a cached reciprocal is cheaper than a division a pixel.
  const reciprocal = new Float64Array(2 * w);
  for (let i = 0; i < w; i += 1) {
    const cols = xStart[i + 1]! - xStart[i]!;
    reciprocal[i] = 1 / (cols * rowsLow);
    reciprocal[w + i] = 1 / (cols * (rowsLow + 1));
  }
  return { sourceWidth, sourceHeight, width: w, height: h, xStart, yStart: edges(h, sourceHeight), rowsLow, reciprocal, blockBytes4: sourceWidth === 4 * w };
}

// Limited-range luma (16-235) to 0-255, rounded and clipped.
const fullRange = new Uint8Array(256);
for (let v = 0; v < 256; v += 1) fullRange[v] = Math.max(0, Math.min(255, Math.round(((v - 16) * 255) / 219)));

/** Bytes a frame must have at least for its luma to be read. */
function lumaBytes(image: RawImage): number {
  const { format, width, height } = image;
  if (format === 'rgb24' || format === 'bgr24') return width * height * 3;
  if (format === 'yuyv') return width * height * 2;
  return width * height;
}

/** Scratch memory of one downscaler; reused frame after frame. */
export interface GreyScratch {
  /** 16-bit lanes of the column sums of one block row: bytes 0 and 2 of each word (even), bytes 1 and 3 (odd). */
  even: Uint32Array;
  odd: Uint32Array;
  /** The column sums unpacked, one per source byte of a row. */
  columns: Uint32Array;
  /** A source row copied to a 4-byte boundary, when the frame's rows are not on one. */
  aligned: Uint32Array;
  /** Weighted luma (77 R + 150 G + 29 B) of each source column of one block row, for RGB with blocks not 4 wide. */
  pixels: Uint32Array;
}

/** Scratch for frames of `grid`'s size (rows of at most 3 bytes a pixel). */
export function greyScratch(grid: GreyGrid): GreyScratch {
  const words = Math.ceil((grid.sourceWidth * 3) / 4);
  return { even: new Uint32Array(words), odd: new Uint32Array(words), columns: new Uint32Array(words * 4), aligned: new Uint32Array(words), pixels: new Uint32Array(grid.sourceWidth) };
}

/**
 * Writes the grey copy of `image` into `out` (grid.width * grid.height bytes, row after row). Throws
 * ERR_RAW_FRAME when the frame does not match the grid's size or is shorter than its format needs.
 *
 * Speed: the block rows are summed four bytes at a time in two 16-bit lanes per 32-bit word (`v & 0x00ff00ff`
 * and `(v >>> 8) & 0x00ff00ff`), which needs 4-byte aligned rows (a row that is not is copied first) and at
 * most 257 rows a block (255 * 257 fits 16 bits). Measured in bench/motion.ts: 3-4x faster than byte by byte.
 */
export function downscaleGrey(image: RawImage, grid: GreyGrid, out: Uint8Array, scratch: GreyScratch): void {
  if (image.width !== grid.sourceWidth || image.height !== grid.sourceHeight) {
    throw new EdgepipeError('ERR_RAW_FRAME', `motion: frame is ${image.width}x${image.height}, the grid was made for ${grid.sourceWidth}x${grid.sourceHeight}`);
  }
  const need = lumaBytes(image);
  if (image.data.byteLength < need) {
    throw new EdgepipeError('ERR_RAW_FRAME', `motion: ${image.format} ${image.width}x${image.height} needs ${need} bytes of luma, data has ${image.data.byteLength}`);
  }
  const { format, data } = image;
  const bytesPerPixel = format === 'rgb24' || format === 'bgr24' ? 3 : format === 'yuyv' ? 2 : 1;
  const stride = grid.sourceWidth * bytesPerPixel;
  const words = (stride + 3) >> 2;
  // Whole words of the frame when every row starts on a 4-byte boundary; otherwise rows are copied to `aligned`.
  const direct = (data.byteOffset & 3) === 0 && (stride & 3) === 0 ? new Uint32Array(data.buffer, data.byteOffset, need >> 2) : undefined;
  const alignedBytes = new Uint8Array(scratch.aligned.buffer, scratch.aligned.byteOffset, scratch.aligned.byteLength);
  const { width: w, height: h, yStart } = grid;
  const { even, odd, columns } = scratch;
  for (let j = 0; j < h; j += 1) {
    const y0 = yStart[j]!;
    const y1 = yStart[j + 1]!;
    if (y1 - y0 > 257) throw new EdgepipeError('ERR_RAW_FRAME', `motion: ${y1 - y0} rows a block is more than 257; use a larger motion height`);
    if (direct) sumBlockRows(direct, (y0 * stride) >> 2, stride >> 2, y1 - y0, words, even, odd);
    else for (let y = y0; y < y1; y += 1) {
      alignedBytes.set(data.subarray(y * stride, (y + 1) * stride));
      const row = scratch.aligned;
      if (y === y0) {
        for (let x = 0; x < words; x += 1) {
          const v = row[x]!;
          even[x] = v & 0x00ff00ff;
          odd[x] = (v >>> 8) & 0x00ff00ff;
        }
      } else {
        for (let x = 0; x < words; x += 1) {
          const v = row[x]!;
          even[x] = even[x]! + (v & 0x00ff00ff);
          odd[x] = odd[x]! + ((v >>> 8) & 0x00ff00ff);
        }
      }
    }
    const rows = y1 - y0;
    const at = j * w;
    // The common sizes (640x480 -> 160x120, 1280x720 -> 320x180, 1920x1080 -> 480x270) have blocks 4 bytes wide:
    // one word a block, summed from its lanes without unpacking.
    if (grid.blockBytes4 && bytesPerPixel === 1) {
      lumaWords(even, odd, w, grid.reciprocal, rows === grid.rowsLow ? 0 : w, out, at, format === 'gray8' ? undefined : fullRange);
      continue;
    }
    if (grid.blockBytes4 && bytesPerPixel === 3) {
      rgbWords(even, odd, w, grid.reciprocal, rows === grid.rowsLow ? 0 : w, out, at, format === 'rgb24' ? 77 : 29, format === 'rgb24' ? 29 : 77);
      continue;
    }
    if (bytesPerPixel === 3 && (grid.sourceWidth & 3) === 0) {
      rgbPixels(even, odd, grid.sourceWidth, scratch.pixels, format === 'rgb24' ? 77 : 29, format === 'rgb24' ? 29 : 77);
      rgbBlocks(scratch.pixels, grid, rows, out, at);
      continue;
    }
    for (let x = 0, c = 0; x < words; x += 1, c += 4) {
      const e = even[x]!;
      const o = odd[x]!;
      columns[c] = e & 0xffff;
      columns[c + 1] = o & 0xffff;
      columns[c + 2] = e >>> 16;
      columns[c + 3] = o >>> 16;
    }
    if (bytesPerPixel === 3) rgbRow(columns, grid, rows, out, at, format === 'rgb24' ? 77 : 29, format === 'rgb24' ? 29 : 77);
    else lumaRow(columns, grid, rows, out, at, bytesPerPixel, format === 'gray8' ? undefined : fullRange);
  }
}

/**
 * Lane sums of `rows` frame rows from word `at` (rows `rowWords` apart), word column by word column: the sums stay
 * in registers over a block's rows and are stored once, where summing row after row loaded and stored both lanes
 * for every row (2-4 rows a block at the usual sizes; bench/motion.ts, docs/benchmarks.md: ~30% less time).
 */
function sumBlockRows(frame: Uint32Array, at: number, rowWords: number, rows: number, words: number, even: Uint32Array, odd: Uint32Array): void {
  const m = 0x00ff00ff;
  if (rows === 2) {
    for (let x = 0, p = at; x < words; x += 1, p += 1) {
      const a = frame[p]!;
      const b = frame[p + rowWords]!;
      even[x] = (a & m) + (b & m);
      odd[x] = ((a >>> 8) & m) + ((b >>> 8) & m);
    }
  } else if (rows === 3) {
    const r2 = 2 * rowWords;
    for (let x = 0, p = at; x < words; x += 1, p += 1) {
      const a = frame[p]!;
      const b = frame[p + rowWords]!;
      const c = frame[p + r2]!;
      even[x] = (a & m) + (b & m) + (c & m);
      odd[x] = ((a >>> 8) & m) + ((b >>> 8) & m) + ((c >>> 8) & m);
    }
  } else if (rows === 4) {
    const r2 = 2 * rowWords;
    const r3 = 3 * rowWords;
    for (let x = 0, p = at; x < words; x += 1, p += 1) {
      const a = frame[p]!;
      const b = frame[p + rowWords]!;
      const c = frame[p + r2]!;
      const d = frame[p + r3]!;
      even[x] = (a & m) + (b & m) + (c & m) + (d & m);
      odd[x] = ((a >>> 8) & m) + ((b >>> 8) & m) + ((c >>> 8) & m) + ((d >>> 8) & m);
    }
  } else {
    for (let x = 0, p = at; x < words; x += 1, p += 1) {
      let e = 0;
      let o = 0;
      for (let y = 0, q = p; y < rows; y += 1, q += rowWords) {
        const v = frame[q]!;
        e += v & m;
        o += (v >>> 8) & m;
      }
      even[x] = e;
      odd[x] = o;
    }
  }
}

/** Small row from the lanes when each block is one word of Y samples (block width 4). */
function lumaWords(even: Uint32Array, odd: Uint32Array, w: number, reciprocal: Float64Array, r: number, out: Uint8Array, at: number, lut: Uint8Array | undefined): void {
  for (let i = 0; i < w; i += 1) {
    const e = even[i]!;
    const o = odd[i]!;
    const v = (((e & 0xffff) + (e >>> 16) + (o & 0xffff) + (o >>> 16)) * reciprocal[r + i]! + 0.5) | 0;
    out[at + i] = lut ? lut[v]! : v;
  }
}

/**
 * Small row from the lanes when each block is three words of RGB (4 pixels, 12 bytes):
 * R0 G0 B0 R1 | G1 B1 R2 G2 | B2 R3 G3 B3; even lanes hold bytes 0 and 2 of a word, odd lanes bytes 1 and 3.
 */
function rgbWords(even: Uint32Array, odd: Uint32Array, w: number, reciprocal: Float64Array, r: number, out: Uint8Array, at: number, wFirst: number, wLast: number): void {
  for (let i = 0, k = 0; i < w; i += 1, k += 3) {
    const ae = even[k]!;
    const ao = odd[k]!;
    const be = even[k + 1]!;
    const bo = odd[k + 1]!;
    const ce = even[k + 2]!;
    const co = odd[k + 2]!;
    const first = (ae & 0xffff) + (ao >>> 16) + (be >>> 16) + (co & 0xffff);
    const green = (ao & 0xffff) + (be & 0xffff) + (bo >>> 16) + (ce >>> 16);
    const last = (ae >>> 16) + (bo & 0xffff) + (ce & 0xffff) + (co >>> 16);
    out[at + i] = ((wFirst * first + 150 * green + wLast * last) * reciprocal[r + i]! * (1 / 256) + 0.5) | 0;
  }
}

/**
 * Weighted luma of each column of a block row of RGB (or BGR), straight from the lanes, 4 pixels (3 words) at a
 * time as in rgbWords: the blocks that are not 4 pixels wide (640 -> 240 at 180 rows) then sum 2-3 values each
 * instead of unpacking every byte and summing the three channels apart (docs/benchmarks.md: ~40% less time).
 */
function rgbPixels(even: Uint32Array, odd: Uint32Array, width: number, pixels: Uint32Array, wFirst: number, wLast: number): void {
  for (let p = 0, k = 0; p < width; p += 4, k += 3) {
    const ae = even[k]!;
    const ao = odd[k]!;
    const be = even[k + 1]!;
    const bo = odd[k + 1]!;
    const ce = even[k + 2]!;
    const co = odd[k + 2]!;
    // R0 G0 B0 R1 | G1 B1 R2 G2 | B2 R3 G3 B3: bytes 0, 2 of a word in its even lanes, 1, 3 in its odd lanes.
    pixels[p] = wFirst * (ae & 0xffff) + 150 * (ao & 0xffff) + wLast * (ae >>> 16);
    pixels[p + 1] = wFirst * (ao >>> 16) + 150 * (be & 0xffff) + wLast * (bo & 0xffff);
    pixels[p + 2] = wFirst * (be >>> 16) + 150 * (bo >>> 16) + wLast * (ce & 0xffff);
    pixels[p + 3] = wFirst * (co & 0xffff) + 150 * (ce >>> 16) + wLast * (co >>> 16);
  }
}

/** Small row from the weighted luma of each column (rgbPixels). */
function rgbBlocks(pixels: Uint32Array, grid: GreyGrid, rows: number, out: Uint8Array, at: number): void {
  const { width: w, xStart, reciprocal } = grid;
  const r = rows === grid.rowsLow ? 0 : w;
  for (let i = 0; i < w; i += 1) {
    const x1 = xStart[i + 1]!;
    let s = 0;
    for (let x = xStart[i]!; x < x1; x += 1) s += pixels[x]!;
    out[at + i] = (s * reciprocal[r + i]! * (1 / 256) + 0.5) | 0;
  }
}

/** Small row from column sums of Y samples every `step` bytes; `lut` maps limited to full range. */
function lumaRow(columns: Uint32Array, grid: GreyGrid, rows: number, out: Uint8Array, at: number, step: number, lut: Uint8Array | undefined): void {
  const { width: w, xStart, reciprocal } = grid;
  const r = rows === grid.rowsLow ? 0 : w;
  for (let i = 0; i < w; i += 1) {
    const x0 = xStart[i]!;
    const x1 = xStart[i + 1]!;
    let s = 0;
    for (let x = x0 * step; x < x1 * step; x += step) s += columns[x]!;
    const v = (s * reciprocal[r + i]! + 0.5) | 0;
    out[at + i] = lut ? lut[v]! : v;
  }
}

/** Small row from column sums of interleaved RGB (or BGR: the outer weights swap), BT.601 luma weights / 256. */
function rgbRow(columns: Uint32Array, grid: GreyGrid, rows: number, out: Uint8Array, at: number, wFirst: number, wLast: number): void {
  const { width: w, xStart, reciprocal } = grid;
  const r = rows === grid.rowsLow ? 0 : w;
  for (let i = 0; i < w; i += 1) {
    const x0 = xStart[i]!;
    const x1 = xStart[i + 1]!;
    let a = 0;
    let g = 0;
    let b = 0;
    for (let x = x0 * 3; x < x1 * 3; x += 3) {
      a += columns[x]!;
      g += columns[x + 1]!;
      b += columns[x + 2]!;
    }
    out[at + i] = ((wFirst * a + 150 * g + wLast * b) * reciprocal[r + i]! * (1 / 256) + 0.5) | 0;
  }
}

/** Frame boundaries in byte streams: raw frames of a fixed size, and marker-aware MJPEG splitting. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { RawFrameSplitter } from '../../src/sources/frame-splitter.js';
import { MjpegSplitter } from '../../src/sources/mjpeg-splitter.js';

/** Cuts `bytes` into chunks of pseudo-random sizes from 1 to `max` (deterministic for a seed). */
function chunked(bytes: Uint8Array, max: number, seed = 1): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let state = seed;
  for (let offset = 0; offset < bytes.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % max);
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

const jpeg = (r: number, size = 16): Promise<Buffer> =>
  sharp({ create: { width: size, height: size, channels: 3, background: { r, g: 40, b: 90 } } })
    .jpeg()
    .toBuffer();

/** A JPEG whose APP1 segment holds a thumbnail JPEG (with its own SOI and EOI) and stray FF D9 bytes. */
async function jpegWithThumbnail(): Promise<Buffer> {
  const main = await jpeg(200, 32);
  const thumbnail = await jpeg(10, 8);
  const payload = Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from([0xff, 0xd9, 0xff, 0xd8]), thumbnail]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]), payload]);
  return Buffer.concat([main.subarray(0, 2), app1, main.subarray(2)]);
}

describe('RawFrameSplitter', () => {
  it.each([1, 7, 100, 4096, 1_000_000])('cuts exact frames whatever the chunk sizes (chunks up to %i bytes)', (max) => {
    const frameBytes = 160 * 120 * 3;
    const stream = new Uint8Array(frameBytes * 4 + 17).map((_, i) => (i * 7) % 251);
    const splitter = new RawFrameSplitter(frameBytes);
    const frames = chunked(stream, max).flatMap((chunk) => splitter.push(chunk));
    expect(frames).toHaveLength(4);
    frames.forEach((frame, i) => expect(Buffer.compare(frame, stream.subarray(i * frameBytes, (i + 1) * frameBytes))).toBe(0));
    expect(splitter.pendingBytes).toBe(17);
    expect(splitter.reset()).toBe(17);
    expect(splitter.pendingBytes).toBe(0);
  });

  it('gives every frame a buffer of its own, never a view of a chunk or of a shared pool', () => {
    const splitter = new RawFrameSplitter(6);
    const chunk = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const [a, b] = splitter.push(chunk);
    chunk.fill(0);
    expect([...a!]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...b!]).toEqual([7, 8, 9, 10, 11, 12]);
    expect(a!.buffer).not.toBe(b!.buffer);
    expect(a!.byteOffset).toBe(0);
    expect(a!.buffer.byteLength).toBe(6);
  });

  it('refuses a frame size that is not a positive integer', () => {
    expect(() => new RawFrameSplitter(0)).toThrow('frame size must be an integer >= 1, got 0');
  });
});

describe('MjpegSplitter', () => {
  it.each([1, 3, 64, 5000])('splits concatenated JPEGs at their EOI whatever the chunk sizes (chunks up to %i bytes)', async (max) => {
    const jpegs = await Promise.all([jpeg(10), jpeg(120), jpeg(250, 40)]);
    const splitter = new MjpegSplitter();
    const frames = chunked(Buffer.concat(jpegs), max, max).flatMap((chunk) => splitter.push(chunk));
    expect(frames.map((f) => f.toString('hex'))).toEqual(jpegs.map((j) => j.toString('hex')));
    expect(splitter.corruptFrames).toBe(0);
  });

  it('is marker-aware: an EXIF thumbnail (its own SOI/EOI) and stray FF D9 in a segment do not end the frame', async () => {
    const withThumb = await jpegWithThumbnail();
    const plain = await jpeg(99);
    const splitter = new MjpegSplitter();
    const frames = chunked(Buffer.concat([withThumb, plain]), 50).flatMap((chunk) => splitter.push(chunk));
    expect(frames.map((f) => f.length)).toEqual([withThumb.length, plain.length]);
    const meta = await sharp(frames[0]!).metadata();
    expect([meta.width, meta.height]).toEqual([32, 32]);
  });

  it('skips garbage between frames and keeps the frames', async () => {
    const a = await jpeg(1);
    const b = await jpeg(2);
    const splitter = new MjpegSplitter();
    const frames = splitter.push(Buffer.concat([Buffer.from([0, 1, 0xff, 2]), a, Buffer.from('junk\xff'), b]));
    expect(frames.map((f) => f.length)).toEqual([a.length, b.length]);
  });

  it('counts and drops a frame cut short in its scan by the next SOI, then delivers the next one', async () => {
    const a = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const b = await jpeg(2);
    const splitter = new MjpegSplitter();
    const frames = splitter.push(Buffer.concat([a.subarray(0, a.length - 200), b]));
    expect(frames.map((f) => f.toString('hex'))).toEqual([b.toString('hex')]);
    expect(splitter.corruptFrames).toBe(1);
  });

  it('counts and drops a frame with no EOI within the size limit, then resynchronises', async () => {
    const good = await jpeg(3);
    // SOI, then a scan that never ends: entropy data with stuffed FF 00 bytes only.
    const header = (await jpeg(4)).subarray(0, 600);
    const sos = header.indexOf(Buffer.from([0xff, 0xda]));
    const endless = Buffer.concat([header.subarray(0, sos + 4 + header.readUInt16BE(sos + 2) - 2), Buffer.alloc(5000, 0x11)]);
    const splitter = new MjpegSplitter(2000);
    const frames = [...chunked(endless, 300).flatMap((c) => splitter.push(c)), ...splitter.push(good)];
    expect(splitter.corruptFrames).toBe(1);
    expect(frames.map((f) => f.toString('hex'))).toEqual([good.toString('hex')]);
  });

  it('reset() forgets a partial frame', async () => {
    const a = await jpeg(5);
    const splitter = new MjpegSplitter();
    expect(splitter.push(a.subarray(0, 100))).toEqual([]);
    splitter.reset();
    expect(splitter.push(a).map((f) => f.length)).toEqual([a.length]);
    expect(splitter.corruptFrames).toBe(0);
  });
});

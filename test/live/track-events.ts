/** Track events and pictures for the live view's event tests, made as the tracking stage makes them. */
import sharp from 'sharp';
import type { TrackEndEvent } from '../../src/core/events.js';

/** A 160x120 JPEG: left half red, right half blue (as the best-snapshot renderer makes them: sharp, quality 80). */
export async function twoColourJpeg(width = 160, height = 120): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(x < width / 2 ? [220, 30, 30] : [30, 30, 220], (y * width + x) * 3);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}

export function trackEnd(trackId: number, jpeg: Uint8Array | undefined, atMs = Date.now()): TrackEndEvent {
  return {
    type: 'track_end',
    pipeline: 'cam',
    trackId,
    label: 'person',
    score: 0.7,
    atMs,
    firstSeenMs: atMs - 4000,
    box: { x: 10, y: 20, width: 30, height: 60 },
    frameId: 99,
    lastSeenMs: atMs - 500,
    bestScore: 0.93,
    snapshot: { frameId: 42, atMs: atMs - 2000, score: 0.93, ...(jpeg ? { jpeg } : {}) },
  };
}

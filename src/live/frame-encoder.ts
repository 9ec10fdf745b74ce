/**
 * Draws a prediction on its frame and encodes the JPEG for the live view, with src/snapshot's pieces (the frame
 * source and the overlay SVG, so the drawing is the snapshots' own, tracks and zones included as they get drawn
 * there) in one libvips pass. renderSnapshot's byte-limit search (quality steps, 4:4:4 chroma, a raw round trip)
 * is what an MQTT snapshot needs but a stream does not: measured on a 640x480 frame with two boxes on the 2-vCPU
 * VM, renderSnapshot took 21 ms of CPU (67 ms wall) per frame, this pass 12 ms (14 ms wall). The overlay's
 * rasterisation (8 ms of those) is kept while its SVG text is unchanged (the same boxes, a classifier's panel).
 */
import sharp from 'sharp';
import type { ImagePayload } from '../core/frame.js';
import type { Result } from '../core/result.js';
import { openSnapshotSource } from '../snapshot/frame-source.js';
import { overlaySvg } from '../snapshot/overlay.js';

/** Widest frame sent; larger ones are scaled down (the overlay is drawn at the sent size, so text stays legible). */
export const LIVE_MAX_WIDTH = 1280;
/** JPEG quality of live frames; full-resolution chroma keeps 2-px box lines in their colour. */
export const LIVE_JPEG_QUALITY = 70;

export interface LiveJpeg {
  jpeg: Buffer;
  width: number;
  height: number;
  /** Of the frame (the space of the result's coordinates). */
  sourceWidth: number;
  sourceHeight: number;
}

export class FrameEncoder {
  private overlay: { svg: string; rgba: Buffer } | undefined;

  /** Rejects for a frame that cannot be read or drawn (the caller counts it). */
  async encode(payload: ImagePayload, result: Result): Promise<LiveJpeg> {
    const source = await openSnapshotSource(payload, LIVE_MAX_WIDTH);
    const width = Math.min(source.width, LIVE_MAX_WIDTH);
    const height = Math.max(1, Math.round((source.height * width) / source.width));
    const rgb = await source.rgb(width, height);
    const svg = overlaySvg(result, { width, height, scaleX: width / source.width, scaleY: height / source.height });
    if (this.overlay?.svg !== svg) {
      const rgba = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
      this.overlay = { svg, rgba };
    }
    const jpeg = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .composite([{ input: this.overlay.rgba, raw: { width, height, channels: 4 }, left: 0, top: 0 }])
      .jpeg({ quality: LIVE_JPEG_QUALITY, chromaSubsampling: '4:4:4' })
      .toBuffer();
    return { jpeg, width, height, sourceWidth: source.width, sourceHeight: source.height };
  }
}

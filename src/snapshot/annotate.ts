/**
 * Annotated JPEG snapshots of a frame and its result, for publishing on events: the upright image with the
 * result drawn over it (src/snapshot/overlay.ts), fitted under a byte limit by lowering the JPEG quality, then
 * halving the size (the overlay is redrawn at each size, so text stays legible).
 *
 * A bad frame never throws: `renderSnapshot` returns `{ error }`, `annotatedSnapshot` undefined; the caller
 * counts it. Only bad options throw (ERR_INVALID_OPTION). All pixel work but the YUV conversion (the
 * preprocessor's, a few ms per VGA frame) runs in libvips' threads.
 */
import sharp from 'sharp';
import type { ImagePayload } from '../core/frame.js';
import type { Result } from '../core/result.js';
import { invalidOption } from '../runtime/errors.js';
import { openSnapshotSource, type SnapshotSource } from './frame-source.js';
import type { OverlayAnalytics } from './analytics-overlay.js';
import { overlaySvg } from './overlay.js';

export interface SnapshotOptions {
  /** Largest JPEG to return, bytes (a positive integer). */
  maxBytes: number;
  /** Widest snapshot, pixels (an integer of at least MIN_SNAPSHOT_WIDTH); default 1280. Never upscales. */
  maxWidth?: number;
  /** Tracks, zones and lines to draw besides the result (src/snapshot/analytics-overlay.ts); source pixels. */
  analytics?: OverlayAnalytics;
}

export type { OverlayAnalytics } from './analytics-overlay.js';

export type SnapshotOutcome =
  | { jpeg: Buffer; width: number; height: number; quality: number }
  | { error: string };

export const DEFAULT_SNAPSHOT_WIDTH = 1280;
/** Below this width a snapshot is no longer worth sending: the smallest size tried. */
export const MIN_SNAPSHOT_WIDTH = 160;
/**
 * Tried in order at each size before halving it, with the smallest share of the first quality's size each has
 * reached on the images measured (VGA to 160 px photos, noise; 4:4:4): a step that cannot fit even at that share
 * is skipped without encoding. Typical photos stay above 0.39 at quality 35; only noise went as low as 0.24.
 */
export const SNAPSHOT_QUALITIES: ReadonlyArray<{ quality: number; minShare: number }> = [
  { quality: 80, minShare: 1 },
  { quality: 65, minShare: 0.5 },
  { quality: 50, minShare: 0.33 },
  { quality: 35, minShare: 0.22 },
];

/** Throws ERR_INVALID_OPTION naming the option; call it where the options are configured. */
export function checkSnapshotOptions(options: SnapshotOptions, path = 'snapshot'): Required<Omit<SnapshotOptions, 'analytics'>> {
  const { maxBytes, maxWidth = DEFAULT_SNAPSHOT_WIDTH } = options ?? ({} as SnapshotOptions);
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw invalidOption(`${path}.maxBytes`, 'a positive integer (bytes)', maxBytes);
  if (!Number.isSafeInteger(maxWidth) || maxWidth < MIN_SNAPSHOT_WIDTH) {
    throw invalidOption(`${path}.maxWidth`, `an integer of at least ${MIN_SNAPSHOT_WIDTH} (pixels)`, maxWidth);
  }
  return { maxBytes, maxWidth };
}

/** The widths tried: the capped width, then halves, ending at MIN_SNAPSHOT_WIDTH (or the frame's own width if smaller). */
export function snapshotWidths(sourceWidth: number, maxWidth: number): number[] {
  let width = Math.min(sourceWidth, maxWidth);
  const widths = [width];
  while (width > MIN_SNAPSHOT_WIDTH) {
    width = Math.max(MIN_SNAPSHOT_WIDTH, Math.floor(width / 2));
    widths.push(width);
  }
  return widths;
}

function message(error: unknown): string {
  // libvips messages span lines; a counted drop's reason is logged on one.
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

/** The annotated image at `width` as 3-channel RGB: drawn once per size, encoded at each quality. */
async function annotate(source: SnapshotSource, result: Result, width: number, height: number, analytics: OverlayAnalytics | undefined): Promise<Buffer> {
  const rgb = await source.rgb(width, height);
  const svg = Buffer.from(overlaySvg(result, { width, height, scaleX: width / source.width, scaleY: height / source.height }, analytics));
  const { data, info } = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .composite([{ input: svg, left: 0, top: 0 }])
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`sharp composited ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return data;
}

/** The first quality that fits at `width`, or the smallest size encoded (bytes) when none does. */
async function encode(source: SnapshotSource, result: Result, width: number, maxBytes: number, analytics?: OverlayAnalytics): Promise<SnapshotOutcome | number> {
  const height = Math.max(1, Math.round((source.height * width) / source.width));
  const annotated = await annotate(source, result, width, height, analytics);
  let first = 0;
  let smallest = Infinity;
  for (const { quality, minShare } of SNAPSHOT_QUALITIES) {
    if (first > 0 && first * minShare > maxBytes) continue;
    const jpeg = await sharp(annotated, { raw: { width, height, channels: 3 } })
      // Full-resolution chroma: with 4:2:0 a 2-px line's colour blurs into the image (74 levels off on a
      // green frame); it costs ~22% more bytes on VGA photos, which the quality and size steps absorb.
      .jpeg({ quality, chromaSubsampling: '4:4:4' })
      .toBuffer();
    if (jpeg.byteLength <= maxBytes) return { jpeg, width, height, quality };
    if (first === 0) first = jpeg.byteLength;
    smallest = Math.min(smallest, jpeg.byteLength);
  }
  return smallest;
}

/**
 * The annotated JPEG of `payload` with `result` drawn on it (coordinates in upright source pixels), at most
 * `options.maxBytes` bytes and `options.maxWidth` pixels wide; `{ error }` for an undecodable image, a raw frame
 * that does not match its format and size, or when even the MIN_SNAPSHOT_WIDTH version at the lowest quality
 * is too large. Rejects only for invalid options. The payload's bytes are read until the promise settles (an
 * rgb24 frame within maxWidth is used in place): do not recycle them before.
 */
export async function renderSnapshot(payload: ImagePayload, result: Result, options: SnapshotOptions): Promise<SnapshotOutcome> {
  const { maxBytes, maxWidth } = checkSnapshotOptions(options);
  let source: SnapshotSource;
  try {
    source = await openSnapshotSource(payload, maxWidth);
  } catch (error) {
    const size = payload?.kind === 'encoded' && payload.bytes instanceof Uint8Array ? ` (${payload.bytes.byteLength} bytes)` : '';
    return { error: `snapshot: cannot read the frame${size}: ${message(error)}` };
  }
  let last = '';
  try {
    for (const width of snapshotWidths(source.width, maxWidth)) {
      const outcome = await encode(source, result, width, maxBytes, options.analytics);
      if (typeof outcome !== 'number') return outcome;
      last = ` (the smallest try, ${width} px wide, took ${outcome} bytes)`;
    }
  } catch (error) {
    return { error: `snapshot: cannot draw the ${String(result?.kind)} result on the ${source.width}x${source.height} frame: ${message(error)}` };
  }
  return { error: `snapshot: no version fits in ${maxBytes} bytes${last}` };
}

/** renderSnapshot's JPEG, or undefined when there is none (see renderSnapshot for why). */
export async function annotatedSnapshot(payload: ImagePayload, result: Result, options: SnapshotOptions): Promise<Buffer | undefined> {
  const outcome = await renderSnapshot(payload, result, options);
  return 'jpeg' in outcome ? outcome.jpeg : undefined;
}

/**
 * SVG primitives for the snapshot overlay. Labels come from model files and metadata, so every text goes through
 * `escapeXml`; numbers through `num` (librsvg rejects the whole document on a NaN attribute).
 */

// XML 1.0 forbids these code points even when escaped; librsvg fails the document on them.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** `text` without the characters XML 1.0 cannot carry (control characters): what will be drawn. */
export function printable(text: string): string {
  return text.replace(FORBIDDEN, '');
}

/** Text safe inside an element or a quoted attribute: entities escaped, forbidden characters dropped. */
export function escapeXml(text: string): string {
  return printable(text).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** At most `max` characters (code points, so a surrogate pair is never split), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}\u2026`;
}

/** A coordinate or length for an attribute: two decimals at most. */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Percent text of a 0..1 score. */
export function percent(score: number): string {
  return `${Math.round(score * 100)}%`;
}

/**
 * Distinct, saturated colours (Tableau 10 + a few), chosen so that neighbouring class indices differ strongly and
 * each stays visible after JPEG 4:2:0 chroma subsampling.
 */
const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [255, 56, 56],
  [56, 120, 255],
  [0, 200, 80],
  [255, 160, 0],
  [200, 60, 220],
  [0, 200, 220],
  [255, 220, 0],
  [255, 90, 180],
  [140, 90, 40],
  [120, 255, 60],
  [40, 40, 160],
  [255, 255, 255],
];

/** The colour of class `index` (any integer; negative and huge indices wrap). */
export function classColour(index: number): readonly [number, number, number] {
  const i = Number.isInteger(index) ? index : 0;
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

export function rgb(colour: readonly [number, number, number]): string {
  return `rgb(${colour[0]},${colour[1]},${colour[2]})`;
}

/** Black or white, whichever reads better on `colour` (Rec. 601 luma). */
export function textColourOn(colour: readonly [number, number, number]): string {
  const luma = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2];
  return luma > 150 ? '#000' : '#fff';
}

/** The monospace advance is 0.6 em in DejaVu Sans Mono and Liberation Mono, so tag widths need no measuring. */
export const MONO_ADVANCE = 0.6;
export const FONT_FAMILY = 'DejaVu Sans Mono, Liberation Mono, monospace';

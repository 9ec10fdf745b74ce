/**
 * Global brightness and contrast of the grey copy against the background, from histograms of the open (not
 * masked) pixels; one pass over the grid.
 *
 * Brightness: a light switched on or an auto-exposure step scales every pixel by about the same factor (a gain in
 * linear light stays a gain after the camera's power-law gamma: (kL)^g = k^g L^g). The factor is the median of
 * the per-pixel ratios (frame + 16) / (background + 16), from a histogram of their logarithms in steps of 1/32
 * octave (2.2%): the median ignores whatever covers less than half the frame, so a bright car entering does not
 * look like a lighting change, and the +16 keeps near-black pixels (mostly noise) from dominating.
 *
 * Contrast: a dark or flat scene spans few levels, so a faint object differs from the background by less than the
 * threshold. The differences are multiplied by 96 / (p98 - p2 of the background), at most 4 and at least 1: the
 * same as stretching the contrast of both images (offsets cancel in a difference), without touching them. The
 * area-average downscale divides sensor noise by the block side (4 for 480 -> 120 rows), so a gain of 4 brings
 * noise back to about the level of one source pixel, under a sensible threshold.
 */

const STEPS_PER_OCTAVE = 32;
const OCTAVES = 3;
const CENTRE = STEPS_PER_OCTAVE * OCTAVES;
const BINS = 2 * CENTRE + 1;
/** log2(v + 16) in 1/32 octave steps, rounded: the difference of two entries is the log-ratio bin. */
const logStep = new Int32Array(256);
for (let v = 0; v < 256; v += 1) logStep[v] = Math.round(Math.log2(v + 16) * STEPS_PER_OCTAVE);

/** Spread of a normally lit scene (p2 to p98 of the background, levels): scenes with less get a contrast gain. */
export const CONTRAST_REFERENCE = 96;
export const CONTRAST_MAX_GAIN = 4;
/** Ratios within this many steps of 1 (one step: 2.2%) are not compensated: the running average absorbs them. */
const DEAD_BAND = 1;

export interface SceneLevels {
  /** Brightness of the frame over the background (1 = same), rounded to 1/32 octave; 1 within the dead band. */
  ratio: number;
  /** Factor on the differences, 1 to CONTRAST_MAX_GAIN (1 when contrast is off). */
  gain: number;
}

export interface LevelScratch {
  ratios: Uint32Array;
  levels: Uint32Array;
}

export const levelScratch = (): LevelScratch => ({ ratios: new Uint32Array(BINS), levels: new Uint32Array(256) });

/** Value at which the cumulative count of `hist` first exceeds `rank`. */
function rankOf(hist: Uint32Array, rank: number): number {
  let seen = 0;
  for (let i = 0; i < hist.length; i += 1) {
    seen += hist[i]!;
    if (seen > rank) return i;
  }
  return hist.length - 1;
}

/** Brightness ratio and contrast gain of `frame` against `background` over the pixels where `masked` is 0. */
export function sceneLevels(
  frame: Uint8Array,
  background: Float32Array,
  masked: Uint8Array,
  contrast: boolean,
  scratch: LevelScratch,
): SceneLevels {
  const { ratios, levels } = scratch;
  ratios.fill(0);
  levels.fill(0);
  // Every other pixel: 9,600 samples of a 160x120 grid place a median within a step, at half the cost.
  for (let k = 0; k < frame.length; k += 2) {
    if (masked[k]) continue;
    const b = (background[k]! + 0.5) | 0;
    levels[b] = levels[b]! + 1;
    let bin = logStep[frame[k]!]! - logStep[b]! + CENTRE;
    if (bin < 0) bin = 0;
    else if (bin >= BINS) bin = BINS - 1;
    ratios[bin] = ratios[bin]! + 1;
  }
  let samples = 0;
  for (let i = 0; i < levels.length; i += 1) samples += levels[i]!;
  if (samples === 0) return { ratio: 1, gain: 1 };
  const step = rankOf(ratios, (samples - 1) >> 1) - CENTRE;
  const ratio = Math.abs(step) <= DEAD_BAND ? 1 : 2 ** (step / STEPS_PER_OCTAVE);
  let gain = 1;
  if (contrast) {
    const spread = rankOf(levels, Math.floor(samples * 0.98)) - rankOf(levels, Math.floor(samples * 0.02));
    gain = Math.min(CONTRAST_MAX_GAIN, Math.max(1, CONTRAST_REFERENCE / Math.max(1, spread)));
  }
  return { ratio, gain };
}

/** Scales the background to a new brightness: (b + 16) * ratio - 16, the model the ratio was measured in. */
export function rescaleBackground(background: Float32Array, ratio: number): void {
  for (let k = 0; k < background.length; k += 1) {
    const v = (background[k]! + 16) * ratio - 16;
    background[k] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
}

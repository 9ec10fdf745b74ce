/**
 * Test patterns for the synthetic source, as rgb24 pixels. Deterministic: frame n of a pattern is the same
 * bytes on every run, so tests and demos can assert on them.
 */

/** The solid colours `colours` cycles through, one per frame; names match the demo classifier's labels. */
export const SYNTHETIC_COLOURS = [
  { name: 'red', rgb: [200, 40, 40] },
  { name: 'green', rgb: [40, 190, 60] },
  { name: 'blue', rgb: [40, 60, 200] },
  { name: 'grey', rgb: [128, 128, 128] },
] as const;

/** Per-channel noise added to the solid colours: uniform in [-NOISE, +NOISE] (0-255 scale). */
export const COLOUR_NOISE = 12;

/** Horizontal speed of the moving gradient, in grey levels per frame (a full cycle every 64 frames). */
export const GRADIENT_STEP = 4;

/** Seed of the `noise` pattern's frame 0; frame n uses a seed derived from this and n. */
export const NOISE_SEED = 0x5eed;

/** mulberry32: a small, fast, seedable 32-bit PRNG (good enough for test pictures, not for anything secret). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A seed for frame `index` of a pattern, spread so neighbouring frames do not share streams. */
export function frameSeed(base: number, index: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) ^ base) >>> 0;
}

export interface PatternFrame {
  data: Uint8Array;
  meta: Record<string, string | number>;
}

/**
 * Frame `index` of `colours`: SYNTHETIC_COLOURS[index % 4] plus a little seeded noise;
 * `meta.expected` is the colour's name.
 */
export function colourFrame(index: number, width: number, height: number): PatternFrame {
  const colour = SYNTHETIC_COLOURS[index % SYNTHETIC_COLOURS.length]!;
  const data = new Uint8Array(width * height * 3);
  const random = mulberry32(frameSeed(NOISE_SEED, index));
  const span = 2 * COLOUR_NOISE + 1;
  for (let i = 0; i < data.length; i += 3) {
    const bits = random();
    for (let c = 0; c < 3; c++) {
      const noise = ((bits >>> (c * 8)) & 0xff) % span - COLOUR_NOISE;
      data[i + c] = Math.min(255, Math.max(0, colour.rgb[c]! + noise));
    }
  }
  return { data, meta: { pattern: 'colours', index, expected: colour.name } };
}

/**
 * Frame `index` of `gradient`: red rises left to right and moves right by GRADIENT_STEP levels per frame,
 * green rises top to bottom, blue is red's complement.
 */
export function gradientFrame(index: number, width: number, height: number): PatternFrame {
  const data = new Uint8Array(width * height * 3);
  const shift = (index * GRADIENT_STEP) & 0xff;
  for (let y = 0; y < height; y++) {
    const green = Math.floor((y * 256) / height);
    for (let x = 0; x < width; x++) {
      const red = (Math.floor((x * 256) / width) - shift) & 0xff;
      const i = (y * width + x) * 3;
      data[i] = red;
      data[i + 1] = green;
      data[i + 2] = 255 - red;
    }
  }
  return { data, meta: { pattern: 'gradient', index, shift } };
}

/** Frame `index` of `noise`: uniform random bytes from a seed derived from NOISE_SEED and `index` (in meta). */
export function noiseFrame(index: number, width: number, height: number): PatternFrame {
  const seed = frameSeed(NOISE_SEED, index);
  const data = new Uint8Array(width * height * 3);
  const random = mulberry32(seed);
  const words = Math.floor(data.length / 4);
  const view = new DataView(data.buffer);
  for (let w = 0; w < words; w++) view.setUint32(w * 4, random(), true);
  for (let i = words * 4; i < data.length; i++) data[i] = random() & 0xff;
  return { data, meta: { pattern: 'noise', index, seed } };
}

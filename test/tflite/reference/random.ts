// Seeded randomness and calibration for test models: the same seed gives the same model bytes.
import { clamp, roundHalfAway } from './fixedpoint.js';
import { mulberry32 } from '../../../src/sources/synthetic-patterns.js';

/** mulberry32 (the one the synthetic source uses) as floats in [0, 1). */
export function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Random integers in [lo, hi] (inclusive). */
export function randomInts(random: () => number, n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => lo + Math.floor(random() * (hi - lo + 1)));
}

/** Random int8 tensor contents over the full range. */
export function randomInt8(n: number, seed: number): Int8Array {
  return Int8Array.from(randomInts(rng(seed), n, -128, 127));
}

/** Random uint8 tensor contents over the full range. */
export function randomUint8(n: number, seed: number): Uint8Array {
  return Uint8Array.from(randomInts(rng(seed), n, 0, 255));
}

/** Random float32 values in [lo, hi). */
export function randomFloat32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/**
 * Asymmetric quantisation covering [min, max] (widened to include 0, as converters do), with the
 * scale rounded to float32 because that is what the file stores.
 */
export function calibrate(min: number, max: number, type: 'int8' | 'uint8'): { scale: number; zeroPoint: number } {
  const [qmin, qmax] = type === 'int8' ? [-128, 127] : [0, 255];
  const lo = Math.min(0, min);
  const hi = Math.max(0, max, lo + 1e-6);
  const scale = Math.fround((hi - lo) / (qmax - qmin));
  return { scale, zeroPoint: clamp(roundHalfAway(qmin - lo / scale), qmin, qmax) };
}

/**
 * Synthetic scenes with known ground truth for the motion tests and the benchmark: a textured, noisy grey
 * background, rectangles drawn on it, and the frame as the raw formats sources deliver (i420, nv12, yuyv, gray8,
 * rgb24, bgr24).
 */
import type { RawPixelFormat } from '../../src/core/frame.js';
import { mulberry32 } from '../../src/sources/synthetic-patterns.js';
import type { RawImage } from '../../src/motion/grey.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A luma picture (0-255, full range), width x height. */
export interface Luma {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Uniform numbers in [0, 1) from mulberry32 (which gives 32-bit integers). */
function unit(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** A background of smooth blotches between `low` and `high` (fixed by `seed`), so that it has structure. */
export function texture(width: number, height: number, low: number, high: number, seed = 7): Luma {
  const random = unit(seed);
  const waves = Array.from({ length: 6 }, () => ({ fx: random() * 0.05, fy: random() * 0.05, phase: random() * 6.28 }));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let v = 0;
      for (const w of waves) v += Math.sin(x * w.fx + y * w.fy + w.phase);
      data[y * width + x] = Math.round(low + ((v / waves.length + 1) / 2) * (high - low));
    }
  }
  return { width, height, data };
}

/** A copy of `base` with `rects` filled with `value`, times `gain`, plus uniform noise of +-`noise` levels. */
export function frame(base: Luma, options: { rects?: readonly (Rect & { value: number })[]; gain?: number; noise?: number; seed: number }): Luma {
  const { width, height } = base;
  const data = new Uint8Array(base.data);
  for (const r of options.rects ?? []) {
    for (let y = Math.max(0, r.y); y < Math.min(height, r.y + r.height); y += 1) data.fill(r.value, y * width + Math.max(0, r.x), y * width + Math.min(width, r.x + r.width));
  }
  const gain = options.gain ?? 1;
  const noise = options.noise ?? 0;
  const random = unit(options.seed);
  for (let k = 0; k < data.length; k += 1) {
    data[k] = Math.max(0, Math.min(255, Math.round(data[k]! * gain + (random() * 2 - 1) * noise)));
  }
  return { width, height, data };
}

/** `luma` as a raw frame: YUV formats with limited-range Y (16-235) and neutral chroma; RGB as grey. */
export function encode(luma: Luma, format: RawPixelFormat): RawImage {
  const { width, height, data } = luma;
  const n = width * height;
  const limited = (v: number): number => 16 + Math.round((v * 219) / 255);
  if (format === 'gray8') return { format, width, height, data: new Uint8Array(data) };
  if (format === 'rgb24' || format === 'bgr24') {
    const out = new Uint8Array(n * 3);
    for (let k = 0; k < n; k += 1) out.fill(data[k]!, 3 * k, 3 * k + 3);
    return { format, width, height, data: out };
  }
  if (format === 'yuyv') {
    const out = new Uint8Array(n * 2).fill(128);
    for (let k = 0; k < n; k += 1) out[2 * k] = limited(data[k]!);
    return { format, width, height, data: out };
  }
  const chroma = 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
  const out = new Uint8Array(n + chroma).fill(128);
  for (let k = 0; k < n; k += 1) out[k] = limited(data[k]!);
  return { format, width, height, data: out };
}

/** True when box `outer` covers `inner` with `slack` pixels of tolerance on each side. */
export function covers(outer: Rect, inner: Rect, slack: number): boolean {
  return (
    outer.x <= inner.x + slack &&
    outer.y <= inner.y + slack &&
    outer.x + outer.width >= inner.x + inner.width - slack &&
    outer.y + outer.height >= inner.y + inner.height - slack
  );
}

/** Intersection over union of two boxes. */
export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

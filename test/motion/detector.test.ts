/**
 * The motion detector on synthetic scenes whose truth is known: where the moving rectangle is, what is masked,
 * when the light changes.
 */
import { describe, expect, it } from 'vitest';
import { MotionDetector, motionSettings, type MotionResult } from '../../src/motion/index.js';
import { downscaleGrey, greyGrid, greyScratch } from '../../src/motion/grey.js';
import type { RawPixelFormat } from '../../src/core/frame.js';
import { covers, encode, frame, iou, texture, type Rect } from './scenes.js';

const W = 320;
const H = 240;

/** Feeds `count` frames made by `make(i)`; returns the results. */
function run(detector: MotionDetector, count: number, make: (i: number) => ReturnType<typeof encode>): MotionResult[] {
  return Array.from({ length: count }, (_, i) => detector.detect(make(i)));
}

describe('grey copy', () => {
  // 60 rows: blocks of 4x4 (the one-word-a-block paths); 72 rows: blocks of 3 or 4 by 3 or 4 (the general path);
  // 120 rows: 2x2 (two rows a block); 30 rows: 8x8 (more rows a block than the unrolled sums take).
  for (const [rows, size] of [[60, [80, 60]], [72, [96, 72]], [120, [160, 120]], [30, [40, 30]]] as const) {
  it(`averages whole blocks of the luma, the same for every raw format (${rows} rows)`, () => {
    const luma = frame(texture(W, H, 40, 200), { seed: 1, noise: 10 });
    const grid = greyGrid(W, H, rows);
    expect([grid.width, grid.height]).toEqual(size);
    // The reference: the plain mean of each block.
    const expected = new Uint8Array(grid.width * grid.height);
    for (let j = 0; j < grid.height; j += 1) {
      for (let i = 0; i < grid.width; i += 1) {
        let s = 0;
        let n = 0;
        for (let y = grid.yStart[j]!; y < grid.yStart[j + 1]!; y += 1) {
          for (let x = grid.xStart[i]!; x < grid.xStart[i + 1]!; x += 1, n += 1) s += luma.data[y * W + x]!;
        }
        expected[j * grid.width + i] = Math.round(s / n);
      }
    }
    for (const format of ['gray8', 'rgb24', 'bgr24', 'i420', 'nv12', 'yuyv'] as RawPixelFormat[]) {
      const out = new Uint8Array(grid.width * grid.height);
      // An odd byte offset takes the path that copies rows to a 4-byte boundary.
      const raw = encode(luma, format);
      const shifted = new Uint8Array(raw.data.length + 1);
      shifted.set(raw.data, 1);
      for (const data of [raw.data, shifted.subarray(1)]) {
        downscaleGrey({ ...raw, data }, grid, out, greyScratch(grid));
        // Limited-range YUV loses a little precision (219 levels for 256): within 2 levels of the reference.
        const worst = out.reduce((m, v, k) => Math.max(m, Math.abs(v - expected[k]!)), 0);
        expect(worst, format).toBeLessThanOrEqual(format === 'gray8' || format.endsWith('24') ? 1 : 2);
      }
    }
  });
  }

  it('weighs colour channels as BT.601 luma, for RGB and BGR alike', () => {
    const data = new Uint8Array(W * H * 3);
    for (let k = 0; k < data.length; k += 1) data[k] = (k * 2654435761) >>> 24;
    const swapped = new Uint8Array(data.length);
    for (let k = 0; k < data.length; k += 3) swapped.set([data[k + 2]!, data[k + 1]!, data[k]!], k);
    for (const rows of [60, 72]) {
      const grid = greyGrid(W, H, rows);
      for (const [format, bytes] of [['rgb24', data], ['bgr24', swapped]] as const) {
        const out = new Uint8Array(grid.width * grid.height);
        downscaleGrey({ format, width: W, height: H, data: bytes }, grid, out, greyScratch(grid));
        for (const [i, j] of [[0, 0], [5, 7], [grid.width - 1, grid.height - 1]] as const) {
          let s = 0;
          let n = 0;
          for (let y = grid.yStart[j]!; y < grid.yStart[j + 1]!; y += 1) {
            for (let x = grid.xStart[i]!; x < grid.xStart[i + 1]!; x += 1, n += 1) {
              const p = 3 * (y * W + x);
              s += (77 * data[p]! + 150 * data[p + 1]! + 29 * data[p + 2]!) / 256;
            }
          }
          expect(Math.abs(out[j * grid.width + i]! - s / n), `${format} ${rows} rows (${i}, ${j})`).toBeLessThanOrEqual(0.5 + 1e-9);
        }
      }
    }
  });

  it('gives the same grey copy of RGB whose width is not a multiple of 4 (no 4-pixel steps) as of its luma', () => {
    const w = 318;
    const luma = frame(texture(w, H, 40, 200), { seed: 2, noise: 10 });
    const grid = greyGrid(w, H, 72);
    const fromLuma = new Uint8Array(grid.width * grid.height);
    const fromRgb = new Uint8Array(grid.width * grid.height);
    downscaleGrey(encode(luma, 'gray8'), grid, fromLuma, greyScratch(grid));
    downscaleGrey(encode(luma, 'rgb24'), grid, fromRgb, greyScratch(grid));
    expect(fromRgb.reduce((m, v, k) => Math.max(m, Math.abs(v - fromLuma[k]!)), 0)).toBeLessThanOrEqual(1);
  });

  it('handles sizes that do not divide: every source pixel in exactly one block', () => {
    const grid = greyGrid(768, 432, 120);
    expect([grid.width, grid.height]).toEqual([213, 120]);
    expect(grid.xStart[0]).toBe(0);
    expect(grid.xStart[213]).toBe(768);
    expect(grid.yStart[120]).toBe(432);
    const luma = { width: 768, height: 432, data: new Uint8Array(768 * 432).fill(77) };
    const out = new Uint8Array(213 * 120);
    downscaleGrey(encode(luma, 'rgb24'), grid, out, greyScratch(grid));
    expect(new Set(out)).toEqual(new Set([77]));
  });

  it('refuses a frame shorter than its size needs, saying so', () => {
    const detector = new MotionDetector(motionSettings());
    expect(() => detector.detect({ format: 'i420', width: 64, height: 48, data: new Uint8Array(100) })).toThrow(
      'motion: i420 64x48 needs 3072 bytes of luma, data has 100',
    );
  });
});

describe('motion detector', () => {
  const background = texture(W, H, 40, 200);

  for (const format of ['i420', 'rgb24'] as const) {
    it(`finds a moving rectangle where it is and nothing on a still noisy scene (${format})`, () => {
      const detector = new MotionDetector(motionSettings({ height: 120 }));
      const still = run(detector, 30, (i) => encode(frame(background, { seed: i, noise: 12 }), format));
      expect(still[0]!.seeded).toBe(true);
      expect(still.filter((r) => r.motion)).toEqual([]);
      // A 30x40 rectangle crossing the frame, 6 px a frame.
      const rects: Rect[] = [];
      const moving = run(detector, 30, (i) => {
        const rect = { x: 20 + 6 * i, y: 100, width: 30, height: 40 };
        rects.push(rect);
        return encode(frame(background, { seed: 100 + i, noise: 12, rects: [{ ...rect, value: 250 }] }), format);
      });
      moving.forEach((result, i) => {
        expect(result.motion, `frame ${i}`).toBe(true);
        expect(result.lighting).toBe('none');
        // The largest region covers the rectangle now (and the trail where it was: the background is a running average).
        const box = result.regions[0]!;
        expect(covers(box, rects[i]!, 2), `frame ${i}: ${JSON.stringify(box)} vs ${JSON.stringify(rects[i])}`).toBe(true);
        expect(box.y).toBeGreaterThanOrEqual(96);
        expect(box.y + box.height).toBeLessThanOrEqual(144);
        expect(box.width).toBeLessThan(30 + 6 * 12);
      });
      expect(detector.counters).toEqual({ frames: 60, framesWithMotion: 30, lightingCompensated: 0, lightingResets: 0 });
    });
  }

  it('reports two objects apart as two regions, and a small one under min_area as none', () => {
    const detector = new MotionDetector(motionSettings({ minArea: 0.002 }));
    run(detector, 5, (i) => encode(frame(background, { seed: i, noise: 8 }), 'gray8'));
    const a = { x: 20, y: 20, width: 40, height: 40 };
    const b = { x: 240, y: 160, width: 40, height: 40 };
    const tiny = { x: 200, y: 20, width: 6, height: 6 };
    const result = detector.detect(encode(frame(background, { seed: 9, noise: 8, rects: [a, b, tiny].map((r) => ({ ...r, value: 5 })) }), 'gray8'));
    expect(result.regions).toHaveLength(2);
    expect(Math.max(...result.regions.map((r) => iou(r, a)))).toBeGreaterThan(0.8);
    expect(Math.max(...result.regions.map((r) => iou(r, b)))).toBeGreaterThan(0.8);
    expect(result.area).toBeCloseTo((2 * 40 * 40) / (W * H), 2);
  });

  it('follows a global brightness step without reporting motion, and still sees motion after it', () => {
    const detector = new MotionDetector(motionSettings());
    run(detector, 10, (i) => encode(frame(background, { seed: i, noise: 6 }), 'i420'));
    const step = run(detector, 10, (i) => encode(frame(background, { seed: 20 + i, noise: 6, gain: 1.25 }), 'i420'));
    expect(step.filter((r) => r.motion)).toEqual([]);
    expect(step[0]!.lighting).toBe('compensated');
    expect(step[0]!.brightness).toBeGreaterThan(1.15);
    expect(step.slice(1).every((r) => r.lighting === 'none')).toBe(true);
    const darker = run(detector, 10, (i) => encode(frame(background, { seed: 40 + i, noise: 6, gain: 0.7 }), 'i420'));
    expect(darker.filter((r) => r.motion)).toEqual([]);
    expect(darker[0]!.lighting).not.toBe('none');
    const rect = { x: 100, y: 60, width: 40, height: 40 };
    const after = detector.detect(encode(frame(background, { seed: 99, noise: 6, gain: 0.7, rects: [{ ...rect, value: 250 }] }), 'i420'));
    expect(after.motion).toBe(true);
    expect(iou(after.regions[0]!, rect)).toBeGreaterThan(0.8);
  });

  it('re-seeds the background when a light changes more than lighting_limit of the frame, counting it', () => {
    const detector = new MotionDetector(motionSettings({ lightingLimit: 0.4 }));
    run(detector, 10, (i) => encode(frame(background, { seed: i, noise: 6 }), 'rgb24'));
    // A lamp lights the left 60% of the room: not one gain for the whole frame.
    const lit = texture(W, H, 40, 200);
    for (let y = 0; y < H; y += 1) for (let x = 0; x < 0.6 * W; x += 1) lit.data[y * W + x] = Math.min(255, lit.data[y * W + x]! + 60);
    const results = run(detector, 10, (i) => encode(frame(lit, { seed: 50 + i, noise: 6 }), 'rgb24'));
    expect(results[0]!.lighting).toBe('reset');
    expect(results.filter((r) => r.motion)).toEqual([]);
    expect(detector.counters.lightingResets).toBe(1);
  });

  it('never reports motion inside a mask (a blinking clock), and does without the mask', () => {
    const clock = { x: 250, y: 5, width: 60, height: 20 };
    const blink = (i: number) => encode(frame(background, { seed: i, noise: 6, rects: [{ ...clock, value: i % 2 === 0 ? 10 : 245 }] }), 'nv12');
    const masked = new MotionDetector(
      motionSettings({ masks: [{ units: 'pixels', points: [[250, 5], [310, 5], [310, 25], [250, 25]] }] }),
    );
    expect(run(masked, 20, blink).filter((r) => r.motion)).toEqual([]);
    // The same mask in fractions of the frame.
    const fractions = new MotionDetector(
      motionSettings({ masks: [{ units: 'fraction', points: [[250 / W, 5 / H], [310 / W, 5 / H], [310 / W, 25 / H], [250 / W, 25 / H]] }] }),
    );
    expect(run(fractions, 20, blink).filter((r) => r.motion)).toEqual([]);
    const open = new MotionDetector(motionSettings());
    // Seeded with the clock dark: every bright frame differs (the dark ones too, once the average has moved).
    const results = run(open, 20, blink);
    expect(results.filter((r, i) => i % 2 === 1 && r.motion)).toHaveLength(10);
    expect(results.every((r) => !r.motion || (r.regions.length === 1 && covers(r.regions[0]!, clock, 2)))).toBe(true);
    // A mask leaves motion elsewhere alone.
    const walker = { x: 40, y: 120, width: 30, height: 60 };
    const elsewhere = masked.detect(encode(frame(background, { seed: 77, noise: 6, rects: [{ ...clock, value: 128 }, { ...walker, value: 250 }] }), 'nv12'));
    expect(elsewhere.regions).toHaveLength(1);
    expect(iou(elsewhere.regions[0]!, walker)).toBeGreaterThan(0.8);
  });

  it('finds a faint object in a dark scene with the contrast gain, and misses it without', () => {
    const dark = texture(W, H, 18, 42);
    const faint = (i: number) => {
      const rect = { x: 30 + 8 * i, y: 90, width: 36, height: 48 };
      return encode(frame(dark, { seed: 300 + i, noise: 4, rects: [{ ...rect, value: 45 }] }), 'yuyv');
    };
    const stillDark = (i: number) => encode(frame(dark, { seed: i, noise: 4 }), 'yuyv');
    const withGain = new MotionDetector(motionSettings({ contrast: true }));
    expect(run(withGain, 20, stillDark).filter((r) => r.motion)).toEqual([]);
    const seen = run(withGain, 20, faint);
    expect(seen[0]!.gain).toBeGreaterThan(2.5);
    expect(seen.filter((r) => r.motion).length).toBe(20);
    const withoutGain = new MotionDetector(motionSettings({ contrast: false }));
    run(withoutGain, 20, stillDark);
    expect(run(withoutGain, 20, faint).filter((r) => r.motion).length).toBe(0);
  });

  it('leaves no ghost behind a large slow object, and absorbs one that stops after 1/alpha frames', () => {
    const detector = new MotionDetector(motionSettings({ alpha: 0.05 }));
    run(detector, 5, (i) => encode(frame(background, { seed: i, noise: 6 }), 'gray8'));
    // A 120x100 block crossing at 8 px a frame: each pixel is covered for up to 15 frames (under 1 / alpha = 20).
    const crossing = run(detector, 40, (i) =>
      encode(frame(background, { seed: 10 + i, noise: 6, rects: [{ x: -60 + 8 * i, y: 70, width: 120, height: 100, value: 250 }] }), 'gray8'),
    );
    expect(crossing.slice(1).every((r) => r.motion)).toBe(true);
    // Gone: the next frame still differs where it just was, the one after must be quiet (no ghost to fade).
    const after = run(detector, 10, (i) => encode(frame(background, { seed: 100 + i, noise: 6 }), 'gray8'));
    expect(after.slice(1).filter((r) => r.motion)).toEqual([]);
    // Stops: motion until its pixels have been changed for 1 / alpha = 20 frames, then background.
    const parked = { x: 100, y: 100, width: 50, height: 40, value: 250 };
    const stopped = run(detector, 30, (i) => encode(frame(background, { seed: 200 + i, noise: 6, rects: [parked] }), 'gray8'));
    expect(stopped.map((r) => r.motion).lastIndexOf(true)).toBe(19);
  });

  it('starts again when the frame size changes, and after reset()', () => {
    const detector = new MotionDetector(motionSettings());
    run(detector, 3, (i) => encode(frame(background, { seed: i, noise: 6 }), 'gray8'));
    const small = texture(160, 120, 40, 200);
    expect(detector.detect(encode(frame(small, { seed: 1, noise: 6 }), 'gray8')).seeded).toBe(true);
    expect(detector.grey?.width).toBe(160);
    expect(detector.detect(encode(frame(small, { seed: 2, noise: 6 }), 'gray8')).seeded).toBe(false);
    detector.reset();
    expect(detector.detect(encode(frame(small, { seed: 3, noise: 6 }), 'gray8')).seeded).toBe(true);
  });

  it('refuses settings out of range, naming them', () => {
    expect(() => new MotionDetector(motionSettings({ alpha: 0 }))).toThrow('Expected a number greater than 0 and at most 1 for motion.alpha but received 0');
    expect(() => new MotionDetector(motionSettings({ height: 8 }))).toThrow('Expected an integer between 16 and 720 for motion.height but received 8');
    expect(() => new MotionDetector(motionSettings({ masks: [{ units: 'pixels', points: [[0, 0], [1, 1]] }] }))).toThrow(
      'Expected at least 3 points [x, y] for motion.masks[0].points but received an array of 2',
    );
  });
});

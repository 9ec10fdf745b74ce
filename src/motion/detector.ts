/**
 * The motion detector of one camera: grey copy (grey.ts) -> brightness and contrast (lighting.ts) -> per-pixel
 * difference against a running-average background -> regions (regions.ts). Synchronous and allocation-light:
 * every buffer is made when the frame size is first seen (or changes) and reused.
 *
 * Per frame, in order:
 * 1. The grey copy, `height` rows.
 * 2. The brightness ratio of the frame over the background (median of per-pixel ratios) and the contrast gain.
 *    A ratio outside the dead band rescales the background at once: a light or an exposure step is followed,
 *    not seen as motion (lighting `compensated`).
 * 3. Changed pixels: |frame - background| * gain > threshold, masked pixels excluded.
 * 4. If more than `lightingLimit` of the open pixels changed, the change is lighting that the ratio could not
 *    explain (a lamp lighting part of the room): the background is re-seeded from the frame, no motion
 *    (lighting `reset`). Else the regions of at least `minArea` of the frame are the motion.
 * 5. The background moves `alpha` of the way towards the frame where nothing changed. Changed pixels keep their
 *    background: a large slow object (a white car crossing a dark road for 3 s) would otherwise leave a ghost that
 *    counts as motion for seconds after it left (measured on video/car-detection.mp4: ~7 s at alpha 0.02 before
 *    this rule). A pixel changed for 1 / alpha frames in a row takes the frame's value at once: an object that
 *    stopped (a parked car) becomes background instead of being motion for ever.
 */
import { motionDefaults } from '../config/schema-motion.js';
import type { MotionMaskConfig } from '../config/types.js';
import { invalidOption } from '../runtime/errors.js';
import { downscaleGrey, greyGrid, greyScratch, type GreyGrid, type GreyScratch, type RawImage } from './grey.js';
import { levelScratch, rescaleBackground, sceneLevels, type LevelScratch } from './lighting.js';
import { rasteriseMasks, type RasterMask } from './mask.js';
import { motionRegions, regionScratch, type RegionScratch } from './regions.js';

/** What the detector needs of a `motion` section (src/config/types.ts MotionConfig has these and more). */
export interface MotionSettings {
  /** Rows of the grey copy, 16-720 (default 120). */
  height: number;
  /** Per-pixel difference that counts, 1-255 levels after the contrast gain (default 25). */
  threshold: number;
  /** Smallest region that counts, fraction of the frame area, 0-1 (default 0.002). */
  minArea: number;
  /** Background update rate per frame, (0, 1] (default 0.02). */
  alpha: number;
  /** Contrast gain for dark and flat scenes (default true). */
  contrast: boolean;
  /** Changed fraction of the open pixels above which a change is lighting, (0, 1] (default 0.4). */
  lightingLimit: number;
  /** Polygons where changes never count (default none). */
  masks: readonly MotionMaskConfig[];
}

/** A motion region in source-frame pixels. */
export interface MotionBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Changed pixels in it, as a fraction of the frame area. */
  area: number;
}

/** `compensated`: the brightness changed and the background followed; `reset`: it was re-seeded. */
export type LightingChange = 'none' | 'compensated' | 'reset';

export interface MotionResult {
  /** At least one region of `minArea` or more. */
  motion: boolean;
  /** Changed pixels in the regions, as a fraction of the frame area (0 without motion). */
  area: number;
  /** Changed pixels anywhere (before `minArea`), as a fraction of the open (not masked) area. */
  changed: number;
  /** Regions of motion, largest first, in source-frame pixels (merged across small gaps). */
  regions: MotionBox[];
  lighting: LightingChange;
  /** Brightness of this frame over the background before compensation (1 = steady). */
  brightness: number;
  /** Contrast gain used on the differences (1 = none). */
  gain: number;
  /** This frame only seeded the background: the first frame, or the first of a new size. */
  seeded: boolean;
}

export interface MotionCounters {
  frames: number;
  framesWithMotion: number;
  /** Brightness changes followed without a reset. */
  lightingCompensated: number;
  /** Background re-seeded because too much changed at once. */
  lightingResets: number;
}

/** What is made for one frame size. */
interface SizedState {
  grid: GreyGrid;
  grey: Uint8Array;
  scratch: GreyScratch;
  background: Float32Array;
  changed: Uint8Array;
  /** Frames in a row each pixel has been changed. */
  age: Uint16Array;
  mask: RasterMask;
  regions: RegionScratch;
  levels: LevelScratch;
}

/** `settings` with the defaults of the YAML schema for whatever is not given. */
export function motionSettings(settings: Partial<MotionSettings> = {}): MotionSettings {
  const { height, threshold, minArea, alpha, contrast, lightingLimit } = motionDefaults;
  return { height, threshold, minArea, alpha, contrast, lightingLimit, masks: [], ...settings };
}

function checkSettings(s: MotionSettings): void {
  const between = (name: string, value: number, min: number, max: number, integer: boolean, exclusiveMin = false): void => {
    const ok = typeof value === 'number' && (integer ? Number.isInteger(value) : Number.isFinite(value)) && (exclusiveMin ? value > min : value >= min) && value <= max;
    if (!ok) {
      const what = integer ? 'an integer' : 'a number';
      throw invalidOption(`motion.${name}`, exclusiveMin ? `${what} greater than ${min} and at most ${max}` : `${what} between ${min} and ${max}`, value);
    }
  };
  between('height', s.height, 16, 720, true);
  between('threshold', s.threshold, 1, 255, true);
  between('minArea', s.minArea, 0, 1, false);
  between('alpha', s.alpha, 0, 1, false, true);
  between('lightingLimit', s.lightingLimit, 0, 1, false, true);
  s.masks.forEach((mask, i) => {
    if (!Array.isArray(mask.points) || mask.points.length < 3) throw invalidOption(`motion.masks[${i}].points`, 'at least 3 points [x, y]', mask.points);
  });
}

export class MotionDetector {
  readonly #settings: MotionSettings;
  #state: SizedState | undefined;
  readonly #counters: MotionCounters = { frames: 0, framesWithMotion: 0, lightingCompensated: 0, lightingResets: 0 };

  /** Throws ERR_INVALID_OPTION naming the setting when one is out of range. */
  constructor(settings: MotionSettings) {
    checkSettings(settings);
    this.#settings = { ...settings, masks: settings.masks.map((m) => ({ ...m, points: m.points.map(([x, y]) => [x, y] as [number, number]) })) };
  }

  /** Counts since construction. */
  get counters(): Readonly<MotionCounters> {
    return { ...this.#counters };
  }

  /** The grey copy of the last frame and the masked pixels (1), on the small grid; undefined before a frame. */
  get grey(): { width: number; height: number; data: Uint8Array; masked: Uint8Array } | undefined {
    const state = this.#state;
    return state && { width: state.grid.width, height: state.grid.height, data: state.grey, masked: state.mask.masked };
  }

  /** Forgets the background: the next frame seeds it (e.g. after the camera restarted). */
  reset(): void {
    this.#state = undefined;
  }

  /** Motion in `image` (a raw frame); throws ERR_RAW_FRAME when its data is shorter than its size needs. */
  detect(image: RawImage): MotionResult {
    this.#counters.frames += 1;
    let state = this.#state;
    if (!state || state.grid.sourceWidth !== image.width || state.grid.sourceHeight !== image.height) {
      state = this.#sized(image.width, image.height);
      downscaleGrey(image, state.grid, state.grey, state.scratch);
      for (let k = 0; k < state.grey.length; k += 1) state.background[k] = state.grey[k]!;
      this.#state = state;
      return { motion: false, area: 0, changed: 0, regions: [], lighting: 'none', brightness: 1, gain: 1, seeded: true };
    }
    const { grid, grey, background, changed, mask } = state;
    const s = this.#settings;
    downscaleGrey(image, grid, grey, state.scratch);
    const { ratio, gain } = sceneLevels(grey, background, mask.masked, s.contrast, state.levels);
    let lighting: LightingChange = 'none';
    if (ratio !== 1) {
      rescaleBackground(background, ratio);
      lighting = 'compensated';
    }
    const limit = s.threshold / gain;
    const masked = mask.masked;
    const alpha = s.alpha;
    const absorb = Math.min(65535, Math.ceil(1 / alpha));
    const age = state.age;
    let count = 0;
    // Difference and background update in one pass (a lighting reset below overwrites the background anyway).
    for (let k = 0; k < grey.length; k += 1) {
      const g = grey[k]!;
      const b = background[k]!;
      const d = g - b;
      if (masked[k] === 0 && (d > limit || -d > limit)) {
        changed[k] = 1;
        count += 1;
        const a = age[k]! + 1;
        if (a >= absorb) {
          age[k] = 0;
          background[k] = g;
        } else age[k] = a;
      } else {
        changed[k] = 0;
        age[k] = 0;
        background[k] = b + alpha * d;
      }
    }
    const changedShare = mask.open === 0 ? 0 : count / mask.open;
    if (changedShare > s.lightingLimit) {
      for (let k = 0; k < grey.length; k += 1) background[k] = grey[k]!;
      state.age.fill(0);
      this.#counters.lightingResets += 1;
      return { motion: false, area: 0, changed: changedShare, regions: [], lighting: 'reset', brightness: ratio, gain, seeded: false };
    }
    if (lighting === 'compensated') this.#counters.lightingCompensated += 1;
    const size = grid.width * grid.height;
    const found = count === 0 ? [] : motionRegions(changed, grid.width, grid.height, Math.max(1, Math.ceil(s.minArea * size)), mergeGap(grid), state.regions);
    let pixels = 0;
    const regions = found.map((r): MotionBox => {
      pixels += r.pixels;
      const x = grid.xStart[r.x0]!;
      const y = grid.yStart[r.y0]!;
      return { x, y, width: grid.xStart[r.x1 + 1]! - x, height: grid.yStart[r.y1 + 1]! - y, area: r.pixels / size };
    });
    const motion = regions.length > 0;
    if (motion) this.#counters.framesWithMotion += 1;
    return { motion, area: pixels / size, changed: changedShare, regions, lighting, brightness: ratio, gain, seeded: false };
  }

  #sized(width: number, height: number): SizedState {
    const grid = greyGrid(width, height, this.#settings.height);
    const size = grid.width * grid.height;
    return {
      grid,
      grey: new Uint8Array(size),
      scratch: greyScratch(grid),
      background: new Float32Array(size),
      changed: new Uint8Array(size),
      age: new Uint16Array(size),
      mask: rasteriseMasks(this.#settings.masks, grid),
      regions: regionScratch(size),
      levels: levelScratch(),
    };
  }
}

/** Pieces this close (small pixels) are one region: 3 at 120 rows, about 12 source pixels of 480. */
function mergeGap(grid: GreyGrid): number {
  return Math.max(1, Math.round(grid.height / 40));
}

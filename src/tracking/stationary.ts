/**
 * Whether a track stands still: its detected box centre stays within `maxMove` times the box size (its larger
 * side, so the test means the same near and far from the camera) of where it was, over `windowMs`.
 *
 * Detected centres, not the motion model's: the model's velocity decays slowly and would delay the decision.
 * Once stationary, the track stays so until a centre leaves the circle around the still position (the mean of
 * the window that decided it); this hysteresis keeps detector jitter from toggling the state.
 */
import type { Box } from '../postprocess/types.js';
import { boxCentre, type Point } from './geometry.js';

interface Sample extends Point {
  monoMs: number;
  wallMs: number;
  size: number;
}

/** Samples kept at most, whatever the window: bounds memory at high frame rates. */
const maxSamples = 512;

export type StationaryChange = 'stationary' | 'moving' | undefined;

export class StationaryState {
  readonly #windowMs: number;
  readonly #maxMove: number;
  #samples: Sample[] = [];
  #anchor: Point | undefined;
  #sinceMs: number | undefined;

  constructor(windowMs: number, maxMove: number) {
    this.#windowMs = windowMs;
    this.#maxMove = maxMove;
  }

  get stationary(): boolean {
    return this.#anchor !== undefined;
  }

  /** Wall ms of the start of the still window; undefined while moving. */
  get sinceMs(): number | undefined {
    return this.#sinceMs;
  }

  /** Adds a matched detection; returns the change it caused, if any. */
  observe(box: Box, monoMs: number, wallMs: number): StationaryChange {
    const c = boxCentre(box);
    const sample: Sample = { ...c, monoMs, wallMs, size: Math.max(box.width, box.height, 1) };
    this.#samples.push(sample);
    // Keep one sample at or before the window start, so the window is known to be covered.
    while (this.#samples.length > 1 && (this.#samples[1]!.monoMs <= monoMs - this.#windowMs || this.#samples.length > maxSamples)) {
      this.#samples.shift();
    }
    if (this.#anchor) {
      if (Math.hypot(c.x - this.#anchor.x, c.y - this.#anchor.y) > this.#maxMove * sample.size) {
        this.#anchor = undefined;
        this.#sinceMs = undefined;
        // Start the next window from here, so it must be still for a whole window again.
        this.#samples = [sample];
        return 'moving';
      }
      return undefined;
    }
    const first = this.#samples[0]!;
    if (monoMs - first.monoMs < this.#windowMs) return undefined;
    const mean = {
      x: this.#samples.reduce((s, p) => s + p.x, 0) / this.#samples.length,
      y: this.#samples.reduce((s, p) => s + p.y, 0) / this.#samples.length,
    };
    const still = this.#samples.every((p) => Math.hypot(p.x - mean.x, p.y - mean.y) <= this.#maxMove * p.size);
    if (!still) return undefined;
    this.#anchor = mean;
    this.#sinceMs = first.wallMs;
    return 'stationary';
  }
}

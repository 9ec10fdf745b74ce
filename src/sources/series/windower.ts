/**
 * Sample series into windows: `length` samples per window, a new window every `hop` samples. Missing values (NaN)
 * are filled with the channel's previous value and counted; a window with more missing values than `maxMissing`
 * allows, or with a channel that never had a value, is dropped and counted. Memory is one ring of `length`
 * samples; each emitted window is a fresh array the frame owns.
 */
import type { SeriesPayload } from '../../core/frame.js';
import type { SampleBatch } from './types.js';

export interface WindowShape {
  length: number;
  /** Absent: `length` (no overlap). */
  hop?: number;
  /** Fraction 0-1 of a window's values that may be filled. */
  maxMissing: number;
}

export interface WindowCounters {
  samples: number;
  windows: number;
  /** Values that arrived missing and were filled from the channel's previous value. */
  filledValues: number;
  /** Windows dropped for too many missing values (or a channel without any value yet). */
  incompleteWindows: number;
  /** Samples discarded because the producer restarted before they filled a window. */
  discardedAtRestart: number;
}

export interface CompletedWindow {
  payload: SeriesPayload;
  monoMs: number;
  wallMs: number;
}

export class Windower {
  readonly counters: WindowCounters = { samples: 0, windows: 0, filledValues: 0, incompleteWindows: 0, discardedAtRestart: 0 };
  private readonly channels: readonly string[];
  private readonly length: number;
  private readonly hop: number;
  private readonly maxFilled: number;
  private readonly ring: Float32Array;
  /** Per ring slot: how many of its values were filled (or are still NaN, counted as filled too). */
  private readonly filledPerSample: Uint16Array;
  private readonly last: Float32Array;
  private filledInRing = 0;
  private unfilledInRing = 0;
  private readonly unfilledPerSample: Uint16Array;
  private head = 0;
  private total = 0;

  constructor(channels: readonly string[], shape: WindowShape) {
    this.channels = channels;
    this.length = shape.length;
    this.hop = shape.hop ?? shape.length;
    this.maxFilled = Math.floor(shape.maxMissing * shape.length * channels.length + 1e-9);
    this.ring = new Float32Array(shape.length * channels.length);
    this.filledPerSample = new Uint16Array(shape.length);
    this.unfilledPerSample = new Uint16Array(shape.length);
    this.last = new Float32Array(channels.length).fill(Number.NaN);
  }

  /** Adds a batch; returns the windows it completed (usually none or one). */
  push(batch: SampleBatch): CompletedWindow[] {
    const C = this.channels.length;
    if (batch.values.length !== batch.count * C) {
      throw new Error(`internal: a batch of ${batch.count} samples has ${batch.values.length} values for ${C} channels`);
    }
    if (batch.discontinuity) this.restart();
    const completed: CompletedWindow[] = [];
    for (let s = 0; s < batch.count; s += 1) {
      const slot = this.head;
      this.filledInRing -= this.filledPerSample[slot]!;
      this.unfilledInRing -= this.unfilledPerSample[slot]!;
      let filled = 0;
      let unfilled = 0;
      for (let c = 0; c < C; c += 1) {
        let value = batch.values[s * C + c]!;
        if (Number.isNaN(value)) {
          filled += 1;
          value = this.last[c]!;
          if (Number.isNaN(value)) unfilled += 1;
        } else {
          this.last[c] = value;
        }
        this.ring[slot * C + c] = value;
      }
      this.filledPerSample[slot] = filled;
      this.unfilledPerSample[slot] = unfilled;
      this.filledInRing += filled;
      this.unfilledInRing += unfilled;
      this.counters.filledValues += filled;
      this.counters.samples += 1;
      this.head = (slot + 1) % this.length;
      this.total += 1;
      if (this.total >= this.length && (this.total - this.length) % this.hop === 0) {
        const window = this.emit(batch);
        if (window) completed.push(window);
      }
    }
    return completed;
  }

  /** Forgets the samples since the last window, so the next window starts after the gap. */
  private restart(): void {
    const sinceWindow = this.total < this.length ? this.total : (this.total - this.length) % this.hop;
    this.counters.discardedAtRestart += sinceWindow;
    this.filledPerSample.fill(0);
    this.unfilledPerSample.fill(0);
    this.filledInRing = 0;
    this.unfilledInRing = 0;
    this.last.fill(Number.NaN);
    this.head = 0;
    this.total = 0;
  }

  private emit(batch: SampleBatch): CompletedWindow | undefined {
    if (this.unfilledInRing > 0 || this.filledInRing > this.maxFilled) {
      this.counters.incompleteWindows += 1;
      return undefined;
    }
    const C = this.channels.length;
    const values = new Float32Array(this.ring.length);
    // The oldest sample sits at `head` once the ring is full.
    const split = this.head * C;
    values.set(this.ring.subarray(split), 0);
    values.set(this.ring.subarray(0, split), this.ring.length - split);
    this.counters.windows += 1;
    return {
      payload: { kind: 'series', channels: this.channels, steps: this.length, values, filled: this.filledInRing },
      monoMs: batch.monoMs,
      wallMs: batch.wallMs,
    };
  }
}

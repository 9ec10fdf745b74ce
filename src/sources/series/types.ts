/**
 * The contract between sensor sample producers (IIO, serial, MQTT, audio) and the windowing that turns their
 * series into frames. Producers know their device; windowing knows nothing about devices.
 */
import type { Observable } from 'rxjs';
import type { SourceHealth } from '../types.js';

/**
 * Consecutive samples of every channel: `count` x `channels` values, step-major (all channels of the first
 * sample, then of the second ...). NaN marks a value that is missing (unreadable, absent from a line, no message
 * since the last tick); windowing fills it from the channel's previous value and counts it.
 */
export interface SampleBatch {
  count: number;
  values: Float32Array;
  /** performance.now() and Date.now() when the last sample of the batch was taken. */
  monoMs: number;
  wallMs: number;
  /**
   * The first batch after the producer restarted (a restarted arecord): samples before it are not continuous with
   * it, so no window may span the gap; windowing starts afresh.
   */
  discontinuity?: boolean;
}

/**
 * A device's samples. `samples()` is cold: each subscription opens the device and owns what it opens; unsubscribing
 * closes everything. Producers that can recover (a reopened tty, a restarted arecord) do so themselves, with
 * backoff, and report it through `health()`; an error ends the observable with an EdgepipeError naming the source,
 * and the engine supervises the pipeline.
 */
export interface SampleProducer {
  /** `<pipeline>/<kind>`, in every message. */
  readonly name: string;
  readonly kind: string;
  /** Channel names in the order of each sample's values. */
  readonly channels: readonly string[];
  samples(): Observable<SampleBatch>;
  health?(): SourceHealth;
  /**
   * A finite input read as fast as it is taken (an audio file without `realtime`): the windowing holds the producer
   * through hold()/release() while the pipeline has no room, so no window is dropped.
   */
  readonly paced?: boolean;
  hold?(): void;
  release?(): void;
}

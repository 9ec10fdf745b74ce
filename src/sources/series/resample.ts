/**
 * Event-driven sensors (serial lines, MQTT messages) into sample batches: either one sample per message, or,
 * with a rate, one sample per tick holding each channel's latest value. A channel that received nothing since the
 * previous tick is missing (NaN) for that tick, and ticks lost to a late timer are missing samples: the windowing
 * fills and counts both, so an irregular sensor still gives the model evenly spaced steps.
 */
import { Observable, type Subscription } from 'rxjs';
import { systemClock } from '../clock.js';
import { FramePacer } from '../pacer.js';
import type { Clock } from '../types.js';
import type { SampleBatch } from './types.js';

/** One message's values, one per channel; NaN where the message did not carry that channel. */
export type ChannelUpdate = Float32Array;

export function samplesFromUpdates(
  updates: Observable<ChannelUpdate>,
  channels: number,
  rateHz: number | undefined,
  clock: Clock = systemClock,
): Observable<SampleBatch> {
  if (rateHz === undefined) {
    return new Observable<SampleBatch>((subscriber) =>
      updates.subscribe({
        next: (values) => subscriber.next({ count: 1, values, monoMs: clock.now(), wallMs: clock.wallNow() }),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  }
  return new Observable<SampleBatch>((subscriber) => {
    const latest = new Float32Array(channels).fill(Number.NaN);
    const abort = new AbortController();
    const subscription: Subscription = updates.subscribe({
      next: (values) => {
        for (let c = 0; c < channels; c += 1) if (!Number.isNaN(values[c]!)) latest[c] = values[c]!;
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    const pacer = new FramePacer(rateHz, clock);
    void (async () => {
      while (!abort.signal.aborted) {
        const skipped = await pacer.wait(abort.signal);
        if (abort.signal.aborted) return;
        const count = skipped + 1;
        const values = new Float32Array(count * channels).fill(Number.NaN);
        // Skipped ticks come first and stay missing; the current tick takes the latest values.
        values.set(latest, skipped * channels);
        latest.fill(Number.NaN);
        subscriber.next({ count, values, monoMs: clock.now(), wallMs: clock.wallNow() });
      }
    })();
    return () => {
      abort.abort();
      subscription.unsubscribe();
    };
  });
}

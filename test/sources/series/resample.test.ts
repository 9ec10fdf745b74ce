/** Event-driven sensor values into samples: one per message, or one per tick holding the latest values. */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { samplesFromUpdates } from '../../../src/sources/series/resample.js';
import type { SampleBatch } from '../../../src/sources/series/types.js';
import { VirtualClock, until } from '../helpers.js';

const update = (...values: number[]) => Float32Array.from(values);
const rows = (batch: SampleBatch, channels: number) =>
  Array.from({ length: batch.count }, (_, s) => Array.from(batch.values.subarray(s * channels, (s + 1) * channels)));

describe('samplesFromUpdates', () => {
  it('without a rate, every message is one sample', () => {
    const updates = new Subject<Float32Array>();
    const batches: SampleBatch[] = [];
    const subscription = samplesFromUpdates(updates, 2, undefined).subscribe((b) => batches.push(b));
    updates.next(update(1, NaN));
    updates.next(update(NaN, 2));
    expect(batches.map((b) => rows(b, 2))).toEqual([[[1, NaN]], [[NaN, 2]]]);
    subscription.unsubscribe();
  });

  it('with a rate, each tick takes the latest value per channel; a channel silent since the last tick is missing', async () => {
    const clock = new VirtualClock();
    const updates = new Subject<Float32Array>();
    const batches: SampleBatch[] = [];
    const subscription = samplesFromUpdates(updates, 2, 10, clock).subscribe((b) => batches.push(b));
    await until(() => batches.length === 1, 30_000, 'the first tick'); // tick 0 at once: nothing yet
    updates.next(update(1, NaN));
    updates.next(update(2, 5)); // the latest x wins
    await until(() => clock.sleeping === 1, 30_000, 'the pacer to sleep');
    clock.advance(100);
    await until(() => batches.length === 2, 30_000, 'tick 1');
    updates.next(update(NaN, 6));
    await until(() => clock.sleeping === 1, 30_000, 'the pacer to sleep');
    clock.advance(100);
    await until(() => batches.length === 3, 30_000, 'tick 2');
    expect(batches.map((b) => rows(b, 2))).toEqual([[[NaN, NaN]], [[2, 5]], [[NaN, 6]]]);
    subscription.unsubscribe();
  });

  it('ticks lost to a late timer come out as missing samples before the current one', async () => {
    const clock = new VirtualClock();
    const updates = new Subject<Float32Array>();
    const batches: SampleBatch[] = [];
    const subscription = samplesFromUpdates(updates, 1, 10, clock).subscribe((b) => batches.push(b));
    await until(() => batches.length === 1 && clock.sleeping === 1, 30_000, 'the first tick');
    updates.next(update(7));
    clock.advance(350); // due at 100; woken at 350: ticks 1 and 2 were lost, this is tick 3
    await until(() => batches.length === 2, 30_000, 'the late tick');
    expect(batches[1]!.count).toBe(3);
    expect(rows(batches[1]!, 1)).toEqual([[NaN], [NaN], [7]]);
    subscription.unsubscribe();
  });

  it('passes errors and completion through and stops ticking when unsubscribed', async () => {
    const clock = new VirtualClock();
    const updates = new Subject<Float32Array>();
    let error: unknown;
    samplesFromUpdates(updates, 1, 10, clock).subscribe({ error: (e: unknown) => (error = e) });
    updates.error(new Error('tty gone'));
    expect((error as Error).message).toBe('tty gone');
    await until(() => clock.sleeping === 0, 30_000, 'the pacer to stop');
  });
});

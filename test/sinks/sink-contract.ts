/**
 * The contract every PredictionSink passes (run by each kind's test file): everything written is accounted for
 * (written + dropped = N), flush delivers, stop flushes and is idempotent, writes outside start..stop are dropped.
 */
import { describe, expect, it } from 'vitest';
import type { PredictionSink } from '../../src/sinks/types.js';
import { leakableResources, pause } from '../sources/helpers.js';
import { prediction } from './helpers.js';

export interface SinkUnderTest {
  sink: PredictionSink;
  /** The JSON lines that reached the target so far. */
  output(): Promise<string[]>;
}

export interface SinkHarness {
  /** A new, not yet started sink; `queueLines` bounds its internal queue. */
  make(options?: { queueLines?: number }): Promise<SinkUnderTest> | SinkUnderTest;
}

export function describeSinkContract(label: string, harness: SinkHarness): void {
  describe(`PredictionSink contract: ${label}`, () => {
    it('write N, flush: all N delivered, in order, and counted', async () => {
      const { sink, output } = await harness.make();
      await sink.start();
      for (let i = 0; i < 50; i++) sink.write(prediction(i));
      expect(await sink.flush()).toBe(true);
      expect(sink.stats()).toEqual({ written: 50, dropped: 0, errors: 0, pending: 0 });
      const lines = await output();
      expect(lines.map((line) => (JSON.parse(line) as { frame_id: number }).frame_id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      await sink.stop();
    });

    it('a burst beyond the queue bound: written + dropped = N, and what was written arrives', async () => {
      const { sink, output } = await harness.make({ queueLines: 5 });
      await sink.start();
      const n = 200;
      for (let i = 0; i < n; i++) sink.write(prediction(i));
      expect(await sink.flush()).toBe(true);
      const stats = sink.stats();
      expect(stats.written + stats.dropped).toBe(n);
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.pending).toBe(0);
      expect((await output()).length).toBe(stats.written);
      await sink.stop();
    });

    it('stop flushes what was accepted, is idempotent, releases its handles and timers, and later writes are dropped', async () => {
      const { sink, output } = await harness.make();
      await pause(20);
      const before = leakableResources();
      await sink.start();
      for (let i = 0; i < 20; i++) sink.write(prediction(i));
      const first = sink.stop();
      const second = sink.stop();
      await Promise.all([first, second]);
      await sink.stop();
      await pause(20);
      const after = leakableResources();
      for (const [kind, count] of Object.entries(after)) expect({ kind, count }).toEqual({ kind, count: Math.min(count, before[kind]!) });
      expect((await output()).length).toBe(20);
      sink.write(prediction(99));
      expect(sink.stats()).toEqual({ written: 20, dropped: 1, errors: 0, pending: 0 });
    });

    it('writes before start are dropped; stop without start and flush with nothing pending resolve', async () => {
      const { sink, output } = await harness.make();
      sink.write(prediction(0));
      expect(await sink.flush()).toBe(true);
      await sink.stop();
      expect(sink.stats()).toMatchObject({ written: 0, dropped: 1, pending: 0 });
      expect(await output()).toEqual([]);
    });

    it('kind and name', async () => {
      const { sink } = await harness.make();
      expect(sink.name).toBe(`door/${sink.kind}`);
    });
  });
}

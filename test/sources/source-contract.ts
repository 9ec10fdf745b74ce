/**
 * The contract every FrameSource passes (run by each kind's test file): cold streams of valid frames with
 * consecutive ids, stopped and released by unsubscribing, failing with an EdgepipeError naming the source.
 */
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Frame, RawPixelFormat } from '../../src/core/frame.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import type { FrameSource } from '../../src/sources/types.js';
import { leakableResources, pause, record, until } from './helpers.js';

export interface SourceHarness {
  /** A source that keeps emitting (10 frames or more) promptly on the real clock. */
  running(): FrameSource | Promise<FrameSource>;
  /** A source whose stream fails. */
  failing(): FrameSource | Promise<FrameSource>;
}

const bytesPerPixel: Record<RawPixelFormat, number> = { rgb24: 3, bgr24: 3, gray8: 1, i420: 1.5, nv12: 1.5, yuyv: 2 };

function expectValidFrame(frame: Frame, source: FrameSource, wallBefore: number): void {
  expect(frame.source).toBe(source.name);
  expect(Number.isInteger(frame.id) && frame.id >= 0).toBe(true);
  expect(Number.isFinite(frame.capturedMonoMs)).toBe(true);
  expect(frame.capturedWallMs).toBeGreaterThanOrEqual(wallBefore);
  expect(frame.capturedWallMs).toBeLessThanOrEqual(Date.now());
  const image = frame.payload;
  if (image.kind === 'encoded') {
    expect(image.bytes).toBeInstanceOf(Uint8Array);
    expect(image.bytes.length).toBeGreaterThan(0);
  } else if (image.kind === 'series') {
    expect(image.values.length).toBe(image.steps * image.channels.length);
    expect(image.values.every((v) => Number.isFinite(v))).toBe(true);
  } else {
    expect(image.width).toBeGreaterThan(0);
    expect(image.height).toBeGreaterThan(0);
    expect(image.data.length).toBe(image.width * image.height * bytesPerPixel[image.format]);
  }
}

const frames = (source: FrameSource, n: number): Promise<Frame[]> => firstValueFrom(source.frames().pipe(take(n), toArray()));

/**
 * Waits until no kind of leakable resource outnumbers `before`, then asserts it (so a failure names the kind).
 * Waits rather than sleeping a fixed time: a producer's kill timer lives until the child has exited, and on a
 * loaded machine that can take longer than any fixed pause; a real leak still fails after the 10 s limit.
 */
async function expectReleased(before: Record<string, number>): Promise<void> {
  const released = (): boolean => Object.entries(leakableResources()).every(([kind, count]) => count <= before[kind]!);
  await until(released, 10_000, 'the resources to be released').catch(() => undefined);
  const after = leakableResources();
  for (const [kind, count] of Object.entries(after)) expect({ kind, count }).toEqual({ kind, count: Math.min(count, before[kind]!) });
}

export function describeSourceContract(label: string, harness: SourceHarness): void {
  describe(`FrameSource contract: ${label}`, () => {
    it('emits valid frames with ids increasing by one, named after the source', async () => {
      const source = await harness.running();
      expect(source.name).toMatch(new RegExp(`/${source.kind}$`));
      const wallBefore = Date.now();
      const got = await frames(source, 5);
      for (const frame of got) expectValidFrame(frame, source, wallBefore);
      expect(got.map((f) => f.id - got[0]!.id)).toEqual([0, 1, 2, 3, 4]);
      for (let i = 1; i < got.length; i++) expect(got[i]!.capturedMonoMs).toBeGreaterThanOrEqual(got[i - 1]!.capturedMonoMs);
    });

    it('is cold: each subscription runs the source again, and ids never repeat', async () => {
      const source = await harness.running();
      const first = await frames(source, 3);
      const second = await frames(source, 3);
      expect(second.length).toBe(3);
      expect(second[0]!.id).toBeGreaterThan(first[2]!.id);
    });

    it('unsubscribing stops it and releases its timers, watchers and file handles', async () => {
      const source = await harness.running();
      await pause(20);
      const before = leakableResources();
      const state = record(source.frames());
      await until(() => state.frames.length >= 3, 30_000, '3 frames');
      state.subscription.unsubscribe();
      const emitted = state.frames.length;
      // Nothing may come after unsubscribing: a pause only gives a late frame the chance to show (load cannot
      // make this fail wrongly).
      await pause(150);
      expect(state.frames.length).toBe(emitted);
      expect(state.error).toBeUndefined();
      await expectReleased(before);
    });

    it('unsubscribing before the first frame leaves nothing running', async () => {
      const source = await harness.running();
      await pause(20);
      const before = leakableResources();
      const state = record(source.frames());
      state.subscription.unsubscribe();
      await pause(150);
      expect(state.frames).toEqual([]);
      expect(state.error).toBeUndefined();
      await expectReleased(before);
    });

    it('fails with an EdgepipeError whose message names the source', async () => {
      const source = await harness.failing();
      const error = await firstValueFrom(source.frames()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EdgepipeError);
      expect((error as EdgepipeError).message.startsWith(`source ${source.name}: `)).toBe(true);
      expect((error as EdgepipeError).code).toMatch(/^ERR_SOURCE_/);
    });
  });
}

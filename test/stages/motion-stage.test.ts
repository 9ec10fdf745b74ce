/** The motion gate stage on its own: what it does with encoded frames, still frames and the keep-alive. */
import { describe, expect, it } from 'vitest';
import type { Frame, Prediction } from '../../src/core/frame.js';
import { motionDefaults } from '../../src/config/schema-motion.js';
import { createMotionStage } from '../../src/motion/index.js';

const config = { ...motionDefaults, masks: [] };
const still = new Uint8Array(64 * 48 * 3).fill(90);
const raw = (id: number, monoMs: number): Frame => ({
  id,
  source: 's',
  capturedMonoMs: monoMs,
  capturedWallMs: 1e12 + monoMs,
  payload: { kind: 'raw', format: 'rgb24', width: 64, height: 48, data: still },
  meta: {},
});
const withTracks = (n: number) => ({ analytics: { tracks: Array(n).fill({}) }, result: { kind: 'detect', objects: [] } }) as unknown as Prediction;

describe('motion stage', () => {
  it('infers encoded frames without judging them (counted as unjudged)', () => {
    const stage = createMotionStage(config);
    const frame: Frame = { ...raw(1, 0), payload: { kind: 'encoded', bytes: new Uint8Array([0xff, 0xd8]) } };
    expect(stage.gate!(frame, { latest: undefined })).toEqual({ infer: true });
    expect(stage.counters()).toMatchObject({ unjudged: 1, frames: 0 });
  });

  it('skips still frames as no_motion, and infers one every keepalive_s while the latest prediction has tracks', () => {
    const stage = createMotionStage({ ...config, keepaliveS: 1 });
    const decisions = (latest: Prediction | undefined, times: number[]) => times.map((t, i) => stage.gate!(raw(i, t), { latest }).infer);
    // First frame seeds the background and is inferred; no tracks: nothing more.
    expect(decisions(undefined, [0, 100, 600, 1200])).toEqual([true, false, false, false]);
    // Tracks alive: a still frame goes through when 1 s has passed since the last one that did (1300, 2300, 3300).
    expect(decisions(withTracks(1), [1300, 1900, 2300, 2400, 3300])).toEqual([true, false, true, false, true]);
    // The latest prediction has no tracks left: no keep-alive.
    expect(decisions(withTracks(0), [5000, 7000])).toEqual([false, false]);
    expect(stage.counters()).toMatchObject({ frames: 11, framesWithMotion: 0, keepalive: 3, skipped: 7 });
  });
});

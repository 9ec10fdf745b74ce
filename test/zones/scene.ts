/** Synthetic tracks with known ground truth for the zone engine tests: boxes whose anchor follows waypoints. */
import type { ZoneEngineEvent } from '../../src/core/events.js';
import type { ZoneEngine } from '../../src/zones/zone-engine.js';
import type { ZoneSubject } from '../../src/zones/types.js';

export const FRAME = { width: 640, height: 480 };
/** 10 updates per second. */
export const STEP_MS = 100;
export const T0 = 1_700_000_000_000;

/** A 40x100 box whose bottom centre is (x, y). */
export function standingAt(id: number, x: number, y: number, label = 'person'): ZoneSubject {
  return { id, label, score: 0.8, box: { x: x - 20, y: y - 100, width: 40, height: 100 } };
}

/** Anchor positions walking from waypoint to waypoint, `perStep` pixels per update (the first waypoint included). */
export function walk(waypoints: ReadonlyArray<readonly [number, number]>, perStep: number): Array<[number, number]> {
  const out: Array<[number, number]> = [[waypoints[0]![0], waypoints[0]![1]]];
  for (let i = 1; i < waypoints.length; i++) {
    const [ax, ay] = waypoints[i - 1]!;
    const [bx, by] = waypoints[i]!;
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / perStep));
    for (let s = 1; s <= steps; s++) out.push([ax + ((bx - ax) * s) / steps, ay + ((by - ay) * s) / steps]);
  }
  return out;
}

/** Positions held for `updates` updates. */
export const stay = (x: number, y: number, updates: number): Array<[number, number]> => Array.from({ length: updates }, () => [x, y]);

/**
 * Feeds the engine: frame i has, for each track, its i-th position (tracks whose path ended are gone). Returns
 * every event, and the frame index each was raised at.
 */
export function play(engine: ZoneEngine, tracks: Record<number, { path: Array<[number, number]>; label?: string; start?: number }>, extraFrames = 0): Array<ZoneEngineEvent & { frame: number }> {
  const entries = Object.entries(tracks).map(([id, t]) => ({ id: Number(id), ...t, start: t.start ?? 0 }));
  const frames = Math.max(...entries.map((t) => t.start + t.path.length)) + extraFrames;
  const events: Array<ZoneEngineEvent & { frame: number }> = [];
  for (let frame = 0; frame < frames; frame++) {
    const subjects = entries
      .filter((t) => frame >= t.start && frame < t.start + t.path.length)
      .map((t) => standingAt(t.id, t.path[frame - t.start]![0], t.path[frame - t.start]![1], t.label));
    for (const event of engine.update(subjects, { atMs: T0 + frame * STEP_MS, frame: FRAME, frameId: frame })) events.push({ ...event, frame });
  }
  return events;
}

/** One event of every type, with every optional field, for the schema and sink tests. */
import type { TrackEvent } from '../../src/core/events.js';

export const t = 1_735_787_045_678;
const base = { pipeline: 'door', trackId: 4, label: 'person', score: 0.812345678, atMs: t, firstSeenMs: t - 5000, box: { x: 10.123, y: 20, width: 30, height: 80 }, frameId: 41 };
const snapshot = { frameId: 30, atMs: t - 1000, score: 0.93, ref: 'edgepipe/gate-3/door/snapshot' };
export const everyType: TrackEvent[] = [
  { ...base, type: 'track_start' },
  { ...base, type: 'track_end', lastSeenMs: t - 200, bestScore: 0.93, snapshot },
  { ...base, type: 'zone_enter', zone: 'porch', insideSinceMs: t - 500 },
  { ...base, type: 'zone_leave', zone: 'porch', insideSinceMs: t - 9000, dwellMs: 8000, reason: 'left', snapshot },
  { ...base, type: 'loitering', zone: 'porch', insideSinceMs: t - 30_000, dwellMs: 30_000 },
  { ...base, type: 'line_cross', line: 'gate', direction: 'in' },
  { ...base, type: 'stationary', stationarySinceMs: t - 60_000 },
  { ...base, type: 'removed', stationarySinceMs: t - 600_000, lastSeenMs: t - 100, snapshot: { frameId: 2, atMs: t - 600_000, score: 0.7 } },
];

/**
 * The retained zone and line counts (schema/counts.schema.json, `schema: "edgepipe.counts/1"`): one topic per
 * zone or line, its labels' counts now. State, not history: only a changed topic is sent again, and the latest
 * of each again at every connect.
 */
import type { CountsSnapshot } from '../../zones/counts.js';
import { topicLevelProblem } from './envelope.js';

export const COUNTS_SCHEMA_ID = 'edgepipe.counts/1';

export interface CountsMessage {
  /** The zone or line. */
  name: string;
  topic: string;
  /** Why `name` cannot be a topic level (then `topic` is not to be used). */
  problem?: string;
  /** The counts part alone: equal keys mean nothing changed (the payload's time always does). */
  key: string;
  payload: string;
}

/**
 * One message per zone and line of `snapshot`. `topic(name)`: the filled template. Zones carry, per label,
 * `count` (inside now) and `entries` (since the start), and `occupied` (any object inside); lines carry, per
 * label, crossings `in` and `out` since the start.
 */
export function countsMessages(snapshot: CountsSnapshot, topic: (name: string) => string, device: string, pipeline: string, nowMs: number): CountsMessage[] {
  const where = (name: string): Pick<CountsMessage, 'name' | 'topic' | 'problem'> => {
    const problem = topicLevelProblem(name);
    return { name, topic: topic(name), ...(problem ? { problem } : {}) };
  };
  const time = { time: new Date(nowMs).toISOString(), time_ms: nowMs };
  const zones = Object.entries(snapshot.zones).map(([name, labels]) => {
    const occupied = Object.values(labels).some((l) => l.count > 0);
    const key = JSON.stringify(labels);
    return { ...where(name), key, payload: JSON.stringify({ schema: COUNTS_SCHEMA_ID, device, pipeline, name, kind: 'zone', ...time, occupied, labels }) };
  });
  const lines = Object.entries(snapshot.lines).map(([name, labels]) => {
    const key = JSON.stringify(labels);
    return { ...where(name), key, payload: JSON.stringify({ schema: COUNTS_SCHEMA_ID, device, pipeline, name, kind: 'line', ...time, labels }) };
  });
  return [...zones, ...lines];
}

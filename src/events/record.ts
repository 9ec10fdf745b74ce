/**
 * Track events as JSON (schema/track-event.schema.json, `schema: "edgepipe.track_event/1"`): the same record in
 * every sink. File and stdout write it as one line; MQTT adds its envelope (`id`, `seq`, `device`) on the events
 * topic. Keys in a fixed order, snake_case, numbers rounded to what they mean (scores 6 decimals, pixels 0.01).
 */
import type { Box } from '../core/result.js';
import type { SnapshotRef, TrackEvent } from '../core/events.js';
import { secondaryRecord } from '../sinks/json-lines.js';

export const TRACK_EVENT_SCHEMA_ID = 'edgepipe.track_event/1';

const round = (value: number, decimals: number): number | null => {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor + 0;
};
const wallMs = (ms: number): number | null => (Number.isFinite(ms) ? Math.round(ms) : null);
const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
const boxRecord = (box: Box): Record<string, number | null> => ({ x: round(box.x, 2), y: round(box.y, 2), width: round(box.width, 2), height: round(box.height, 2) });
const snapshotRecord = (s: SnapshotRef): Record<string, unknown> => ({
  frame_id: s.frameId,
  time_ms: wallMs(s.atMs),
  score: round(s.score, 6),
  ...(s.ref === undefined ? {} : { ref: s.ref }),
});

/** What only this event type carries. */
function details(event: TrackEvent): Record<string, unknown> {
  switch (event.type) {
    case 'track_start':
      return {};
    case 'track_end':
      return {
        last_seen_ms: wallMs(event.lastSeenMs),
        best_score: round(event.bestScore, 6),
        ...(event.snapshot ? { snapshot: snapshotRecord(event.snapshot) } : {}),
        ...(event.secondary ? { secondary: secondaryRecord(event.secondary) } : {}),
      };
    case 'zone_enter':
      return { zone: event.zone, inside_since_ms: wallMs(event.insideSinceMs) };
    case 'zone_leave':
      return {
        zone: event.zone,
        inside_since_ms: wallMs(event.insideSinceMs),
        dwell_ms: wallMs(event.dwellMs),
        reason: event.reason,
        ...(event.snapshot ? { snapshot: snapshotRecord(event.snapshot) } : {}),
      };
    case 'loitering':
      return { zone: event.zone, inside_since_ms: wallMs(event.insideSinceMs), dwell_ms: wallMs(event.dwellMs) };
    case 'line_cross':
      return { line: event.line, direction: event.direction };
    case 'stationary':
      return { stationary_since_ms: wallMs(event.stationarySinceMs) };
    case 'removed':
      return {
        stationary_since_ms: wallMs(event.stationarySinceMs),
        last_seen_ms: wallMs(event.lastSeenMs),
        ...(event.snapshot ? { snapshot: snapshotRecord(event.snapshot) } : {}),
      };
  }
}

/** The event as a plain object with keys in the documented order (no MQTT envelope). */
export function trackEventRecord(event: TrackEvent): Record<string, unknown> {
  return {
    schema: TRACK_EVENT_SCHEMA_ID,
    type: event.type,
    time: iso(event.atMs),
    time_ms: wallMs(event.atMs),
    pipeline: event.pipeline,
    ...(event.frameId === undefined ? {} : { frame_id: event.frameId }),
    track_id: event.trackId,
    label: event.label,
    ...(event.detectedLabel === undefined ? {} : { detected_label: event.detectedLabel }),
    score: round(event.score, 6),
    first_seen_ms: wallMs(event.firstSeenMs),
    ...(event.box ? { box: boxRecord(event.box) } : {}),
    ...details(event),
  };
}

/** One line of JSON, newline-terminated (file and stdout sinks). */
export function trackEventLine(event: TrackEvent): string {
  return `${JSON.stringify(trackEventRecord(event))}\n`;
}

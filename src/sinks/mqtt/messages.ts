/**
 * The JSON of the events, stats and per-pipeline status topics (docs/mqtt.md "Topics"), each versioned by a
 * `schema` field and described by schema/event.schema.json, schema/stats.schema.json, schema/status.schema.json.
 */
import { trackEventRecord } from '../../events/record.js';
import type { TrackEvent } from '../../core/events.js';
import type { Prediction } from '../../core/frame.js';
import type { StatsReport } from '../../core/stats-report.js';
import type { ReloadNotice, SourceNotice } from '../types.js';
import { redactDeep } from '../../runtime/secrets.js';
import { roundSignificant, roundTo } from '../json-lines.js';
import type { ChangeEvent } from './change.js';
import { uuidv7 } from './envelope.js';

export const EVENT_SCHEMA_ID = 'edgepipe.event/1';
export const STATS_SCHEMA_ID = 'edgepipe.stats/1';
export const STATUS_SCHEMA_ID = 'edgepipe.status/1';

const isoOrNull = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

/** One event (one change of `prediction`'s result), message `seq` of the events outbox. */
export function eventPayload(event: ChangeEvent, prediction: Prediction, seq: number, device: string): string {
  const captured = prediction.capturedWallMs;
  let details: Record<string, unknown>;
  if ('value' in event) details = { value: roundSignificant(event.value, 6) };
  else {
    details = { label: event.label, score: roundTo(event.score, 6) };
    if (event.type === 'class_changed') details['previous'] = event.previous;
    if (event.type === 'score_above' || event.type === 'score_below') details['threshold'] = event.threshold;
  }
  return JSON.stringify({
    schema: EVENT_SCHEMA_ID,
    id: uuidv7(),
    seq,
    device,
    pipeline: prediction.pipeline,
    time: isoOrNull(captured),
    time_ms: Number.isFinite(captured) ? Math.round(captured) : null,
    frame_id: prediction.frameId,
    kind: prediction.result.kind,
    type: event.type,
    ...details,
  });
}

/** A track event (zones, lines, the tracker's lifecycle; schema/track-event.schema.json), message `seq` of the events outbox. */
export function trackEventPayload(event: TrackEvent, seq: number, device: string): string {
  const { schema, ...record } = trackEventRecord(event);
  return JSON.stringify({ schema, id: uuidv7(), seq, device, ...record });
}

const snake = (key: string): string => key.replace(/[A-Z]/gu, (c) => `_${c.toLowerCase()}`);

/** `value` with its object keys in snake_case, recursively (sink names such as `door/mqtt` have no capitals). */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [snake(key), snakeKeys(v)]));
}

/** The pipeline's StatsReport, snake_case (its `sinks` hold this sink's counters: suppressed, events, ...). */
export function statsPayload(report: StatsReport, device: string, nowMs: number): string {
  const { pipeline, ...rest } = report;
  // Redacted: a sink's lastError may name a secret's value (a file sink path from ${file:...}).
  return JSON.stringify(redactDeep({
    schema: STATS_SCHEMA_ID,
    id: uuidv7(nowMs),
    device,
    pipeline,
    time: new Date(nowMs).toISOString(),
    time_ms: nowMs,
    ...(snakeKeys(rest) as Record<string, unknown>),
  }));
}

/**
 * The retained per-pipeline status: `running` (with the delegate in use, once known) or `stopped`; with the last
 * reload's outcome and, once the source has gone down, its state (`down` with the error, or `up` again).
 */
export function statusPayload(
  state: 'running' | 'stopped',
  device: string,
  pipeline: string,
  delegate: string | undefined,
  nowMs: number,
  lastReload?: ReloadNotice,
  source?: SourceNotice,
): string {
  return JSON.stringify(redactDeep({
    schema: STATUS_SCHEMA_ID,
    device,
    pipeline,
    state,
    delegate: delegate ?? null,
    time: new Date(nowMs).toISOString(),
    time_ms: nowMs,
    ...(lastReload ? { last_reload: { ok: lastReload.ok, message: lastReload.message, time: new Date(lastReload.atMs).toISOString() } } : {}),
    // Times, not ages: the message is retained, an age in it would be stale for the next subscriber.
    ...(source
      ? {
          source: {
            state: source.state,
            since: new Date(source.atMs).toISOString(),
            last_frame_time: source.lastFrameMs === undefined ? null : new Date(source.lastFrameMs).toISOString(),
            ...(source.error !== undefined ? { error: source.error } : {}),
          },
        }
      : {}),
  }));
}

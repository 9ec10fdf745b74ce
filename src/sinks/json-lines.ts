/**
 * Predictions as JSON lines, shared by every sink that writes text. Keys come in a fixed order (the same for
 * every line, so lines diff and grep well), snake_case like the CLI's JSON, and numbers are rounded to what
 * they mean: latencies to 0.001 ms, scores and fractions to 6 decimals, pixel coordinates to 0.01 px.
 *
 * {"time":"2025-01-01T00:00:00.000Z","time_ms":1735689600000,"pipeline":"door","source":"door/images",
 *  "frame_id":7,"delegate":"xnnpack","model":{"file":"/m.tflite","sha256":"..."},
 *  "latency_ms":{"queue":0.1,"preprocess":1.234,"wait":0.01,"infer":5.5,"postprocess":0.02,"total":6.864},
 *  "meta":{"file":"/data/a.jpg"},"result":{"kind":"classify","classes":[{"index":3,"label":"cat","score":0.9}]}}
 */
import type { Prediction } from '../core/frame.js';
import type { Result, ScoredClassResult } from '../core/result.js';
import type { SecondaryResults } from '../core/secondary.js';

/** `value` rounded to `decimals` places (no `-0`, non-finite values become null as JSON would make them). */
export function roundTo(value: number, decimals: number): number | null {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor + 0;
}

/** `value` to `digits` significant digits (for values of unknown magnitude). */
export function roundSignificant(value: number, digits: number): number | null {
  if (!Number.isFinite(value)) return null;
  return Number(value.toPrecision(digits)) + 0;
}

const ms = (value: number): number | null => roundTo(value, 3);
const score = (value: number): number | null => roundTo(value, 6);
const px = (value: number): number | null => roundTo(value, 2);

function scored(entry: ScoredClassResult): Record<string, unknown> {
  return { index: entry.index, ...(entry.label === undefined ? {} : { label: entry.label }), score: score(entry.score) };
}

function resultRecord(result: Result): Record<string, unknown> {
  switch (result.kind) {
    case 'classify':
      return { kind: result.kind, classes: result.classes.map(scored) };
    case 'detect':
      return {
        kind: result.kind,
        objects: result.objects.map((o) => ({
          ...scored(o),
          box: { x: px(o.box.x), y: px(o.box.y), width: px(o.box.width), height: px(o.box.height) },
        })),
      };
    case 'pose':
      return {
        kind: result.kind,
        keypoints: result.keypoints.map((k) => ({ name: k.name, x: px(k.x), y: px(k.y), score: score(k.score), visible: k.visible })),
      };
    case 'segment':
      return {
        kind: result.kind,
        classes: result.classes.map((c) => ({ ...scored(c), fraction: score(c.fraction) })),
        ...(result.mask === undefined ? {} : { mask: result.mask }),
      };
    case 'scalar':
      return { kind: result.kind, value: roundSignificant(result.value, 6), anomaly: result.anomaly };
    default:
      // A result kind newer than this serialiser: keep it whole, keys sorted, rather than lose it.
      return sortedKeys(result as unknown as Record<string, unknown>);
  }
}

function sortedKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
}

/** The prediction as a plain object with keys in the documented order. */
export function predictionRecord(prediction: Prediction): Record<string, unknown> {
  const wall = prediction.capturedWallMs;
  const latency = prediction.latencyMs;
  return {
    time: Number.isFinite(wall) ? new Date(wall).toISOString() : null,
    time_ms: Number.isFinite(wall) ? Math.round(wall) : null,
    pipeline: prediction.pipeline,
    source: prediction.source,
    frame_id: prediction.frameId,
    delegate: prediction.delegate,
    model: { file: prediction.model.file, sha256: prediction.model.sha256 },
    latency_ms: {
      queue: ms(latency.queue),
      preprocess: ms(latency.preprocess),
      wait: ms(latency.wait),
      infer: ms(latency.infer),
      postprocess: ms(latency.postprocess),
      total: ms(latency.total),
    },
    meta: sortedKeys(prediction.meta),
    result: resultRecord(prediction.result),
    ...tracksRecord(prediction),
  };
}

/** `tracks` (the tracking stage's `analytics.tracks`), rounded like the rest; absent without tracking. */
function tracksRecord(prediction: Prediction): Record<string, unknown> {
  const tracks = prediction.analytics?.tracks;
  if (tracks === undefined) return {};
  return {
    tracks: tracks.map((t) => ({
      track_id: t.track_id,
      index: t.index,
      ...(t.label === undefined ? {} : { label: t.label }),
      ...(t.detected_label === undefined ? {} : { detected_label: t.detected_label }),
      score: score(t.score),
      best_score: score(t.best_score),
      box: { x: px(t.box.x), y: px(t.box.y), width: px(t.box.width), height: px(t.box.height) },
      matched: t.matched,
      first_seen_ms: Math.round(t.first_seen_ms),
      last_seen_ms: Math.round(t.last_seen_ms),
      velocity: { x: px(t.velocity.x), y: px(t.velocity.y) },
      stationary: t.stationary,
      ...(t.stationary_since_ms === undefined ? {} : { stationary_since_ms: Math.round(t.stationary_since_ms) }),
      ...(t.secondary === undefined ? {} : { secondary: secondaryRecord(t.secondary) }),
    })),
  };
}

/** A track's second-model results (src/cascade), by cascade name, rounded like the rest. */
export function secondaryRecord(results: SecondaryResults): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(results).map(([name, r]) => [
      name,
      { index: r.index, ...(r.label === undefined ? {} : { label: r.label }), score: score(r.score), frame_id: r.frame_id, at_ms: Math.round(r.at_ms) },
    ]),
  );
}

/** One line of JSON, newline-terminated. */
export function predictionLine(prediction: Prediction): string {
  return `${JSON.stringify(predictionRecord(prediction))}\n`;
}

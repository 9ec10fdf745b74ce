/**
 * Tracking as a pipeline result stage (src/stages/types.ts): each detector result goes through the object filters,
 * the merge of overlapping detections of confused classes (merge.ts) and the tracker, with the frame's monotonic and wall times; the prediction gets `analytics.tracks` (confirmed
 * tracks alive after this frame, coasting ones included, see `matched`) and the lifecycle changes go to the sinks
 * as typed events (src/core/events.ts): `track_start`, `track_end`, `stationary` and `removed` (a stationary object
 * that is gone). The tracker's `moving` (a stationary object moves again) has no event: its track says so.
 *
 * Tracks end only when a later result comes (the tracker ages them on update): with motion gating, a track whose
 * object left ends at the next inference (the keep-alive runs one every `keepalive_s` while tracks exist). At
 * stop, the tracks still alive end (`track_end`).
 */
import type { TrackEvent as PipelineTrackEvent } from '../core/events.js';
import type { Frame, Prediction } from '../core/frame.js';
import type { SecondaryResults } from '../core/secondary.js';
import type { TrackConfig } from '../config/types.js';
import type { Stage, StageContext } from '../stages/types.js';
import { BestSnapshots } from './best-snapshots.js';
import { ObjectFilters } from './filters.js';
import { DetectionMerger } from './merge.js';
import { filterOptionsFrom, mergeOptionsFrom, trackerOptionsFrom } from './options.js';
import { trackRelabel } from './relabel.js';
import { Tracker } from './tracker.js';
import type { TrackedObject, TrackEvent } from './types.js';

/** One tracked object as a prediction carries it (and events name it): plain JSON values. */
export interface PredictionTrack {
  track_id: number;
  index: number;
  label?: string;
  /** With `label` the name of the track's merge group: the class the detector reported most often. */
  detected_label?: string;
  /** Score of this frame's detection; 0 while coasting (matched false). */
  score: number;
  best_score: number;
  box: { x: number; y: number; width: number; height: number };
  matched: boolean;
  /** Wall ms since the epoch. */
  first_seen_ms: number;
  last_seen_ms: number;
  /** Box centre, px/s. */
  velocity: { x: number; y: number };
  stationary: boolean;
  stationary_since_ms?: number;
  /** Second models' latest results on this object, by cascade name (added by src/cascade after tracking). */
  secondary?: SecondaryResults;
}

declare module '../core/frame.js' {
  interface PredictionAnalytics {
    /** Tracked objects (src/tracking), present on detector predictions of pipelines with `track:`. */
    tracks?: PredictionTrack[];
  }
}

export function trackRecord(t: TrackedObject): PredictionTrack {
  return {
    track_id: t.id,
    index: t.index,
    ...(t.label === undefined ? {} : { label: t.label }),
    ...(t.detectedLabel === undefined ? {} : { detected_label: t.detectedLabel }),
    score: t.score,
    best_score: t.bestScore,
    box: { ...t.box },
    matched: t.matched,
    first_seen_ms: t.firstSeenMs,
    last_seen_ms: t.lastSeenMs,
    velocity: { ...t.velocity },
    stationary: t.stationary,
    ...(t.stationarySinceMs === undefined ? {} : { stationary_since_ms: t.stationarySinceMs }),
  };
}

/** A lifecycle change of the tracker as the event every sink writes; undefined for `moving` (no event). */
export function trackEvent(pipeline: string, event: TrackEvent, frameId: number): PipelineTrackEvent | undefined {
  const t = event.track;
  const base = {
    pipeline, trackId: t.id, label: t.label ?? String(t.index),
    ...(t.detectedLabel === undefined ? {} : { detectedLabel: t.detectedLabel }),
    score: t.score, atMs: event.atMs, firstSeenMs: t.firstSeenMs, box: { ...t.box }, frameId,
  };
  const snapshot = { frameId: t.best.frameId, atMs: t.best.wallMs, score: t.best.score };
  switch (event.kind) {
    case 'start':
      return { type: 'track_start', ...base };
    case 'end':
      return { type: 'track_end', ...base, lastSeenMs: t.lastSeenMs, bestScore: t.bestScore, snapshot };
    case 'stationary':
      return { type: 'stationary', ...base, stationarySinceMs: t.stationarySinceMs ?? event.atMs };
    case 'removed':
      return { type: 'removed', ...base, stationarySinceMs: t.stationarySinceMs ?? t.lastSeenMs, lastSeenMs: t.lastSeenMs, snapshot };
    case 'moving':
      return undefined;
  }
}

export interface TrackingStage extends Stage {
  /**
   * Tracks started and ended, detections the filters dropped (`dropped<Reason>`), merged into a better one of their
   * class group (`merged`) and ones the tracker could not use.
   */
  counters(): Record<string, number>;
}

export function createTrackingStage(config: TrackConfig): TrackingStage {
  const filters = new ObjectFilters(filterOptionsFrom(config));
  const merger = new DetectionMerger(mergeOptionsFrom(config));
  const tracker = new Tracker(trackerOptionsFrom(config));
  const relabel = trackRelabel(config.mergeClasses);
  let context: StageContext | undefined;
  // The identity of the latest frame, to date the events of the tracks still alive at stop (no payload kept).
  let lastFrame: Frame | undefined;
  let unusable = 0;
  let started = 0;
  let ended = 0;
  // The best picture of each live track, for its end (and removed) event.
  const pictures = new BestSnapshots();
  const emit = (events: readonly TrackEvent[], frame: Frame) => {
    for (const event of events) {
      if (event.kind === 'start') started += 1;
      if (event.kind === 'end') ended += 1;
      const typed = context && trackEvent(context.pipeline, { ...event, track: relabel(event.track) }, frame.id);
      const kept = pictures.get(event.track.id);
      if (kept && (typed?.type === 'track_end' || typed?.type === 'removed')) typed.snapshot = { frameId: kept.frameId, atMs: kept.atMs, score: kept.score, jpeg: kept.jpeg };
      if (typed) context!.emit(typed);
    }
    // After the loop: `removed` follows `end` for the same track.
    for (const event of events) if (event.kind === 'end' || event.kind === 'removed') pictures.forget(event.track.id);
  };
  return {
    name: 'tracking',
    start(ctx: StageContext): void {
      context = ctx;
    },
    process(prediction: Prediction, frame: Frame): Prediction {
      if (prediction.result.kind !== 'detect') return prediction;
      const payload = frame.payload;
      // Fraction masks need the frame size: the prediction's (from preprocessing) covers encoded frames too.
      const size = prediction.frameSize ?? (payload.kind === 'raw' ? { width: payload.width, height: payload.height } : undefined);
      // Filters first: a box they drop (too large, masked) must not absorb the ones of its group it overlaps.
      const kept = merger.apply(filters.apply(prediction.result.objects, size).kept).kept;
      const raw = tracker.update({ frameId: frame.id, monoMs: frame.capturedMonoMs, wallMs: frame.capturedWallMs, objects: kept });
      const update = { ...raw, tracks: raw.tracks.map(relabel) };
      unusable += update.unusable;
      lastFrame = { id: frame.id, source: frame.source, capturedMonoMs: frame.capturedMonoMs, capturedWallMs: frame.capturedWallMs, payload: { kind: 'encoded', bytes: new Uint8Array(0) }, meta: {} };
      if (payload.kind === 'raw' || payload.kind === 'encoded') {
        for (const id of update.bestImproved) {
          const t = update.tracks.find((track) => track.id === id);
          if (t) pictures.offer(id, payload, { frameId: t.best.frameId, atMs: t.best.wallMs, score: t.best.score, index: t.index, ...(t.label === undefined ? {} : { label: t.label }), box: t.best.box });
        }
      }
      emit(update.events, frame);
      const analytics = { ...prediction.analytics, tracks: update.tracks.map(trackRecord) };
      if (config.output !== 'replace') return { ...prediction, analytics };
      // In place of the detections: the tracked objects seen in this frame (coasting ones were not).
      const objects = update.tracks.filter((t) => t.matched).map((t) => ({ index: t.index, ...(t.label === undefined ? {} : { label: t.label }), score: t.score, box: { ...t.box } }));
      return { ...prediction, result: { ...prediction.result, objects }, analytics };
    },
    async stop(): Promise<void> {
      // A picture being made still belongs to the tracks that end now.
      await pictures.idle();
      const events = tracker.finish();
      if (lastFrame) emit(events, lastFrame);
      pictures.clear();
    },
    counters() {
      const dropped = Object.entries(filters.dropped).map(([reason, n]) => [`dropped${reason[0]!.toUpperCase()}${reason.slice(1)}`, n] as const);
      const shots = pictures.counts;
      return { started, ended, unusable, merged: merger.merged, ...Object.fromEntries(dropped), bestSnapshotsKept: shots.kept, bestSnapshotsSkipped: shots.skipped, bestSnapshotsDropped: shots.dropped };
    },
  };
}

/**
 * Multi-object tracker: a Kalman motion model per track (kalman.ts) and optimal assignment on IoU in the
 * stages of ByteTrack (Zhang et al. 2022, Algorithm 1):
 * 1. confident detections (score >= highThreshold) against all confirmed tracks, lost ones included;
 * 2. low-score detections (lowThreshold..highThreshold) against confirmed tracks still unmatched: a partly
 *    hidden person scores low but is still that person. Low-score detections never start tracks. ByteTrack
 *    takes only tracks matched in the previous frame here; with frames skipped by motion gating and random
 *    misses, "the previous frame" means little, and the tighter IoU gate (lowMatchIou) already keeps a stray
 *    low-score box from reviving a lost track far from where the motion model expects it;
 * 3. remaining confident detections against tentative tracks;
 * 4. remaining confident detections scoring newTrackThreshold or more start tentative tracks.
 *
 * Ages are in monotonic milliseconds, not frames: motion gating skips frames, so "3 frames" would mean 0.1 s
 * in a busy scene and minutes in a quiet one; a track's life should depend on how long it was not seen.
 * Confirmation counts matched detections (min_hits), as a track must be seen several times to be believed
 * whatever the frame rate.
 */
import type { DetectedObject } from '../postprocess/types.js';
import { assignEdges, type Edge } from './assign.js';
import { boxIou } from './geometry.js';
import { defaultKalmanNoise } from './kalman.js';
import { classGroupOf } from './merge.js';
import { Track } from './track.js';
import type { TrackedObject, TrackerFrame, TrackerOptions, TrackerUpdate, TrackEvent } from './types.js';

export const defaultTrackerOptions: Readonly<TrackerOptions> = {
  match: 'class',
  classGroups: [],
  highThreshold: 0.5,
  lowThreshold: 0.1,
  newTrackThreshold: 0.6,
  matchIou: 0.2,
  lowMatchIou: 0.5,
  tentativeMatchIou: 0.3,
  minHits: 3,
  maxAgeMs: 2000,
  tentativeMaxAgeMs: 1000,
  stationary: { windowMs: 10_000, maxMove: 0.1 },
  noise: defaultKalmanNoise,
};

/** Finite box with a positive size and a finite score. */
function isUsable(d: DetectedObject): boolean {
  const b = d.box;
  return Number.isFinite(d.score) && Number.isFinite(b.x) && Number.isFinite(b.y) && b.width > 0 && b.height > 0 &&
    Number.isFinite(b.width) && Number.isFinite(b.height);
}

export class Tracker {
  readonly options: Readonly<TrackerOptions>;
  #tracks: Track[] = [];
  #nextId = 1;
  #lastMonoMs = -Infinity;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...defaultTrackerOptions, ...options };
  }

  /** Confirmed tracks alive now. */
  get tracks(): TrackedObject[] {
    return this.#tracks.filter((t) => t.confirmed).map((t) => t.snapshot());
  }

  /**
   * Takes one detector result. Frames must come in monotonic order; a frame older than the previous one is
   * treated as taken at the same time (no motion). Returns the confirmed tracks and the lifecycle changes.
   */
  update(frame: TrackerFrame): TrackerUpdate {
    const o = this.options;
    const now = Math.max(frame.monoMs, this.#lastMonoMs);
    const timed: TrackerFrame = { ...frame, monoMs: now };
    this.#lastMonoMs = now;
    const events: TrackEvent[] = [];
    const bestImproved: number[] = [];

    // One NaN would poison a track's motion model for good: such detections are left out and counted.
    const usable = frame.objects.filter(isUsable);
    const high = usable.filter((d) => d.score >= o.highThreshold);
    const low = usable.filter((d) => d.score >= o.lowThreshold && d.score < o.highThreshold);
    const predicted = new Map(this.#tracks.map((t) => [t, t.predict(now)] as const));
    const matchedTracks = new Set<Track>();

    const take = (track: Track, detection: DetectedObject): void => {
      matchedTracks.add(track);
      const { bestImproved: improved, change } = track.update(detection, timed);
      if (!track.confirmed && track.hits >= o.minHits) {
        track.confirm(this.#nextId++, detection, timed);
        events.push({ kind: 'start', atMs: frame.wallMs, track: track.snapshot() });
        if (track.stationary.stationary) events.push({ kind: 'stationary', atMs: frame.wallMs, track: track.snapshot() });
        bestImproved.push(track.id);
        return;
      }
      if (improved) bestImproved.push(track.id);
      if (change && track.confirmed) events.push({ kind: change, atMs: frame.wallMs, track: track.snapshot() });
    };

    // Stage 1: confident detections, confirmed tracks.
    const confirmed = this.#tracks.filter((t) => t.confirmed);
    let remainingHigh = this.#match(confirmed, high, predicted, o.matchIou, take).detections;
    // Stage 2: low-score detections keep confirmed tracks alive.
    const unmatched = confirmed.filter((t) => !matchedTracks.has(t));
    this.#match(unmatched, low, predicted, o.lowMatchIou, take);
    // Stage 3: tentative tracks take remaining confident detections.
    const tentative = this.#tracks.filter((t) => !t.confirmed);
    remainingHigh = this.#match(tentative, remainingHigh, predicted, o.tentativeMatchIou, take).detections;

    for (const track of this.#tracks) {
      if (matchedTracks.has(track)) continue;
      track.miss();
    }
    for (const track of this.#tracks) track.age++;
    // Stage 4: new tentative tracks (a confirmed track with min_hits 1 starts at once).
    for (const detection of remainingHigh) {
      if (detection.score < o.newTrackThreshold) continue;
      const track = new Track(detection, timed, o);
      this.#tracks.push(track);
      if (o.minHits <= 1) {
        track.confirm(this.#nextId++, detection, timed);
        events.push({ kind: 'start', atMs: frame.wallMs, track: track.snapshot() });
        bestImproved.push(track.id);
      }
    }

    this.#tracks = this.#tracks.filter((track) => {
      const unseenMs = now - track.lastSeenMonoMs;
      if (!track.confirmed) return unseenMs <= o.tentativeMaxAgeMs;
      if (unseenMs <= o.maxAgeMs) return true;
      events.push(...this.#endEvents(track));
      return false;
    });
    return { tracks: this.tracks, events, bestImproved, unusable: frame.objects.length - usable.length };
  }

  /** Ends every track (end of the stream, pipeline stop): their end (and removed) events. */
  finish(): TrackEvent[] {
    const events = this.#tracks.filter((t) => t.confirmed).flatMap((t) => this.#endEvents(t));
    this.#tracks = [];
    return events;
  }

  #endEvents(track: Track): TrackEvent[] {
    const snapshot = track.snapshot();
    const events: TrackEvent[] = [{ kind: 'end', atMs: track.lastSeenMs, track: snapshot }];
    if (snapshot.stationary) events.push({ kind: 'removed', atMs: track.lastSeenMs, track: snapshot });
    return events;
  }

  /**
   * Optimal assignment of `detections` to `tracks` on 1 - IoU with the predicted boxes; returns the leftovers.
   * Only overlapping pairs can reach minIou > 0: detections sorted by left edge are swept per track, so a crowd
   * costs about tracks x (overlapping detections), not tracks x detections.
   */
  #match(
    tracks: readonly Track[],
    detections: readonly DetectedObject[],
    predicted: ReadonlyMap<Track, DetectedObject['box']>,
    minIou: number,
    take: (track: Track, detection: DetectedObject) => void,
  ): { tracks: Track[]; detections: DetectedObject[] } {
    const perClass = this.options.match === 'class';
    // The class a track matches on: its group's number when in a group (negative, apart from class indices).
    const groups = this.options.classGroups;
    const classKey = (o: { index: number; label?: string }) => {
      const group = groups.length > 0 ? classGroupOf(groups, o) : -1;
      return group >= 0 ? -1 - group : o.index;
    };
    const keys = perClass ? detections.map(classKey) : [];
    const maxCost = 1 - minIou;
    const byLeft = detections.map((_, i) => i).sort((a, b) => detections[a]!.box.x - detections[b]!.box.x);
    const widest = detections.reduce((w, d) => Math.max(w, d.box.width), 0);
    const edges: Edge[] = [];
    tracks.forEach((t, row) => {
      const box = predicted.get(t)!;
      const key = perClass ? classKey(t.classVote) : 0;
      const right = box.x + box.width;
      // The first detection that may reach this box: none left of box.x - widest does.
      let lo = 0;
      let hi = byLeft.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (detections[byLeft[mid]!]!.box.x <= box.x - widest) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < byLeft.length; k++) {
        const column = byLeft[k]!;
        const d = detections[column]!;
        if (d.box.x >= right) break;
        if (d.box.x + d.box.width <= box.x || (perClass && keys[column] !== key)) continue;
        const cost = 1 - boxIou(box, d.box);
        if (cost <= maxCost) edges.push({ row, column, cost });
      }
    });
    const result = assignEdges(tracks.length, detections.length, edges, maxCost);
    for (const [r, c] of result.matches) take(tracks[r]!, detections[c]!);
    return {
      tracks: result.unmatchedRows.map((r) => tracks[r]!),
      detections: result.unmatchedColumns.map((c) => detections[c]!),
    };
  }
}

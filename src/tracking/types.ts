/** The tracker's vocabulary: what goes in per frame, the tracked objects and the lifecycle events that come out. */
import type { Box, DetectedObject } from '../postprocess/types.js';
import type { KalmanNoise } from './kalman.js';

export type { Box, DetectedObject };

/** One detector result handed to the tracker. */
export interface TrackerFrame {
  /** The frame's id (per source, increasing); recorded as a track's best snapshot. */
  frameId: number;
  /** Monotonic time of the frame, ms (performance.now() style): drives the motion model and ages. */
  monoMs: number;
  /** Wall-clock time of the frame, ms since the epoch: reported as first/last seen and in events. */
  wallMs: number;
  /** Detections in source-frame pixels (after the object filters). */
  objects: readonly DetectedObject[];
}

/** How detections are matched to tracks and when tracks start and end. All fields have defaults (defaultTrackerOptions). */
export interface TrackerOptions {
  /** `class`: a track only takes detections of its class index. `any`: class-agnostic (the label may change). Default class. */
  match: 'class' | 'any';
  /**
   * With `match: class`, classes of one group count as one class: a track of the group takes a detection of any
   * class in it (the merge groups, merge.ts: the label then changes with the detector's mind and is voted). Names are
   * labels or indices written as numbers. Default none.
   */
  classGroups: readonly (readonly string[])[];
  /** Detections scoring at least this are confident: matched first, and may start tracks (ByteTrack track_thresh). Default 0.5. */
  highThreshold: number;
  /** Detections between this and highThreshold only keep existing tracks alive (ByteTrack's second stage). Default 0.1. */
  lowThreshold: number;
  /** An unmatched confident detection starts a track only when scoring at least this (ByteTrack det_thresh). Default 0.6. */
  newTrackThreshold: number;
  /** Least IoU (0..1) between a track's predicted box and a confident detection to match. Default 0.2 (ByteTrack match_thresh 0.8). */
  matchIou: number;
  /** Least IoU between a track's predicted box and a low-score detection to match. Default 0.5 (ByteTrack). */
  lowMatchIou: number;
  /** Least IoU between a tentative (unconfirmed) track and a detection. Default 0.3 (ByteTrack). */
  tentativeMatchIou: number;
  /** Matched detections (counting the first) before a track is confirmed and gets an id. Default 3. */
  minHits: number;
  /** A confirmed track not matched for longer than this (ms of monotonic time) ends. Default 2000. */
  maxAgeMs: number;
  /** A tentative track not matched for longer than this (ms) is dropped without an event. Default 1000. */
  tentativeMaxAgeMs: number;
  /** Stationary: the box centre stays within maxMove x box size (the larger side) for windowMs. */
  stationary: { windowMs: number; maxMove: number };
  /** Motion model noise (see kalman.ts). */
  noise: KalmanNoise;
}

/** The frame where a track scored best since it was confirmed: the stage keeps that frame's image for `end`. */
export interface BestSnapshot {
  frameId: number;
  wallMs: number;
  score: number;
  box: Box;
}

/** A confirmed track as seen after one update: a plain, immutable copy. */
export interface TrackedObject {
  /** Stable id, 1, 2, 3... in order of confirmation, never reused by this tracker. */
  id: number;
  /** The most frequent class over the track's life (ties: the higher total score). */
  index: number;
  label?: string;
  /** With `label` the name of its merge group (`merge_classes[].as`): the class detected most often (relabel.ts). */
  detectedLabel?: string;
  /** Score of the detection matched in this update; 0 when not matched (`matched: false`). */
  score: number;
  /** Highest score of any detection matched since the track started (tentative phase included). */
  bestScore: number;
  /** The motion model's box at this frame's time (corrected by the detection when matched), source-frame pixels. */
  box: Box;
  /** Whether a detection was matched to the track in this update (false while coasting through a miss). */
  matched: boolean;
  /** Velocity of the box centre, px/s (x right, y down). */
  velocity: { x: number; y: number };
  /** Wall ms of the first and of the latest matched detection. */
  firstSeenMs: number;
  lastSeenMs: number;
  /** Matched detections over the track's life. */
  hits: number;
  /** Updates since the track started (matched or not). */
  age: number;
  stationary: boolean;
  /** Wall ms since which the track has been stationary (start of the still window); present when stationary. */
  stationarySinceMs?: number;
  best: BestSnapshot;
}

/**
 * A lifecycle change. `start`: a track was confirmed. `end`: it was not seen for maxAge (or the tracker was
 * finished); `removed` follows `end` for a track that was stationary when last seen (a parked car that left, a
 * parcel taken). `stationary` / `moving`: it became still / moved again.
 */
export interface TrackEvent {
  kind: 'start' | 'end' | 'stationary' | 'moving' | 'removed';
  /** Wall ms the change happened: the frame's time; for end and removed, when the track was last seen. */
  atMs: number;
  track: TrackedObject;
}

export interface TrackerUpdate {
  /** Confirmed tracks alive after this update, by id (coasting ones too: see `matched`). */
  tracks: TrackedObject[];
  /** Lifecycle changes of this update, in order. */
  events: TrackEvent[];
  /** Ids whose best snapshot became this frame: the stage keeps this frame's image for them. */
  bestImproved: number[];
  /** Detections left out of this update: a coordinate or score not a finite number, or a size of 0 or less. */
  unusable: number;
}

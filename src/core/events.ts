/**
 * What happened to tracked objects, as opposed to what a detector saw in one frame (issue 13): the vocabulary
 * every stage that follows objects over time speaks (the zone engine here; the tracker's lifecycle records map to
 * `track_start`, `track_end`, `stationary` and `removed`) and every sink writes (sinks/types.ts `event`).
 *
 * Times are wall-clock Unix epoch ms (the capture time of the frame that decided the event), not monotonic: they
 * are published and compared with other devices' clocks. Boxes are source-frame pixels.
 */
import type { Box } from './result.js';
import type { SecondaryResults } from './secondary.js';

/** Every event type, in the order the docs and the JSON Schema list them. */
export const TRACK_EVENT_TYPES = [
  'track_start',
  'track_end',
  'zone_enter',
  'zone_leave',
  'loitering',
  'line_cross',
  'stationary',
  'removed',
] as const;
export type TrackEventType = (typeof TRACK_EVENT_TYPES)[number];

/**
 * The two directions of a line. Stand on the line's first point A and look at its second point B: `in` is a
 * crossing from your left to your right, `out` from your right to your left (swap A and B to swap them).
 */
export type LineDirection = 'in' | 'out';

/** Where the best picture of an object is kept, for end events: the frame, and where a sink stored it (if one did). */
export interface SnapshotRef {
  /** The frame with the object's highest score. */
  frameId: number;
  /** Its capture time, wall ms. */
  atMs: number;
  /** The object's score in that frame, 0..1. */
  score: number;
  /** Where the image is: an MQTT topic or a file path; absent while no sink has stored it. */
  ref?: string;
  /**
   * The picture itself, a small JPEG (the frame with the object's box drawn), when the stage kept one: for sinks
   * that store or publish it (and then fill `ref`). Never serialised (src/events/record.ts names its fields).
   */
  jpeg?: Uint8Array;
}

/** What every event carries. */
export interface TrackEventBase {
  /** The pipeline (its name) whose frames raised it. */
  pipeline: string;
  /** The tracker's id of the object, stable over its life; unique within the pipeline's run. */
  trackId: number;
  /** The object's label when the event was raised (the most frequent over its life so far, or its merge group's name). */
  label: string;
  /** With `label` a merge group's name (`track.merge_classes[].as`): the class the detector reported most often. */
  detectedLabel?: string;
  /** The object's score in the frame that raised the event, 0..1. */
  score: number;
  /** When it happened: capture time of the deciding frame, wall ms. */
  atMs: number;
  /** When the tracker first saw the object, wall ms. */
  firstSeenMs: number;
  /** The object's box in the deciding frame, source-frame pixels. */
  box?: Box;
  /** The deciding frame's id, when the stage knows it. */
  frameId?: number;
}

export interface TrackStartEvent extends TrackEventBase {
  type: 'track_start';
}

export interface TrackEndEvent extends TrackEventBase {
  type: 'track_end';
  /** The last frame the object was matched in, wall ms (atMs is when the tracker gave up on it). */
  lastSeenMs: number;
  /** Its highest score over its life. */
  bestScore: number;
  snapshot?: SnapshotRef;
  /** The second models' (cascades') latest results on it, by cascade name; absent when none has one. */
  secondary?: SecondaryResults;
}

export interface ZoneEnterEvent extends TrackEventBase {
  type: 'zone_enter';
  zone: string;
  /** When its anchor first was inside in this visit (atMs - insideSinceMs >= the zone's min_time_s). */
  insideSinceMs: number;
}

export interface ZoneLeaveEvent extends TrackEventBase {
  type: 'zone_leave';
  zone: string;
  /** The visit's start (the matching zone_enter's insideSinceMs), wall ms. */
  insideSinceMs: number;
  /** How long it was inside: from insideSinceMs to the last update inside, ms. */
  dwellMs: number;
  /** `left`: outside for the zone's leave time; `track_ended`: the tracker lost it while inside. */
  reason: 'left' | 'track_ended';
  snapshot?: SnapshotRef;
}

export interface LoiteringEvent extends TrackEventBase {
  type: 'loitering';
  zone: string;
  insideSinceMs: number;
  /** Time inside so far (>= the zone's loiter_s), ms. Raised once per visit. */
  dwellMs: number;
}

export interface LineCrossEvent extends TrackEventBase {
  type: 'line_cross';
  line: string;
  direction: LineDirection;
}

export interface StationaryEvent extends TrackEventBase {
  type: 'stationary';
  /** Since when it has not moved, wall ms. */
  stationarySinceMs: number;
}

export interface RemovedEvent extends TrackEventBase {
  type: 'removed';
  /** It was stationary since then, and is now gone. */
  stationarySinceMs: number;
  lastSeenMs: number;
  snapshot?: SnapshotRef;
}

export type TrackEvent =
  | TrackStartEvent
  | TrackEndEvent
  | ZoneEnterEvent
  | ZoneLeaveEvent
  | LoiteringEvent
  | LineCrossEvent
  | StationaryEvent
  | RemovedEvent;

/** Events of the zone engine (src/zones/). */
export type ZoneEngineEvent = ZoneEnterEvent | ZoneLeaveEvent | LoiteringEvent | LineCrossEvent;

/** Zone and line counts (state, not history): src/zones keeps them, sinks publish them (retained MQTT topics). */
export interface ZoneLabelCount {
  /** Objects of the label inside now. */
  count: number;
  /** zone_enter events of the label since the start. */
  entries: number;
}

export type LineLabelCount = Record<LineDirection, number>;

/** Plain JSON: `{"zones":{"door":{"person":{"count":1,"entries":4}}},"lines":{"gate":{"car":{"in":3,"out":1}}}}`. */
export interface CountsSnapshot {
  zones: Record<string, Record<string, ZoneLabelCount>>;
  lines: Record<string, Record<string, LineLabelCount>>;
}

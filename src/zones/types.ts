/**
 * What the zone engine is told: zones and lines as configured (the pipeline YAML's `zones:` and `lines:`,
 * src/config/schema-zones.ts), and the objects it follows. It does not import the tracker: anything with these
 * fields (the tracker's tracked objects do) is a subject.
 */
import type { Box } from '../postprocess/types.js';
import type { Anchor, Units } from './geometry.js';

/** One tracked object as the zone engine needs it. */
export interface ZoneSubject {
  /** Stable over the object's life (the tracker's id). */
  id: number;
  /** Its label now. */
  label: string;
  /** Source-frame pixels. */
  box: Box;
  /** 0..1. */
  score: number;
  /** When the tracker first saw it, wall ms; default: the first update the engine saw it in. */
  firstSeenMs?: number;
}

/** A polygon zone. */
export interface ZoneSpec {
  /** Unique among the pipeline's zones and lines; names the zone in events and topics. */
  name: string;
  /** At least 3 [x, y] points, in order around the polygon (not crossing itself). */
  points: ReadonlyArray<readonly [number, number]>;
  /** Default `px`. */
  units?: Units;
  /** Labels that count; absent or empty: every label. */
  classes?: readonly string[];
  /** Default `bottom_centre`. */
  anchor?: Anchor;
  /** Inertia: seconds inside, without interruption, before `zone_enter` (default 0: the first update inside). */
  minTimeS?: number;
  /** Seconds outside, without interruption, before `zone_leave` (default 0: the first update outside). */
  leaveS?: number;
  /** Seconds inside after which one `loitering` event is raised per visit; absent: never. */
  loiterS?: number;
}

/** A directed line (tripwire) from its first point A to its second B: see LineDirection for `in` and `out`. */
export interface LineSpec {
  name: string;
  points: readonly [readonly [number, number], readonly [number, number]];
  units?: Units;
  classes?: readonly string[];
  anchor?: Anchor;
  /**
   * Half-width of the band around the line, pixels (default 4): an anchor inside the band keeps the side it had,
   * so jitter on the line is not a crossing, and a crossing counts once the anchor is this far on the other side.
   */
  hysteresisPx?: number;
}

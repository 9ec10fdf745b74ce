/**
 * Zone and line specs checked and turned into pixel geometry, once the frame size is known. The same checks
 * back the config validation (src/config/schema-zones.ts reports them at file:line:col) and the engine (which
 * refuses specs the config would have refused).
 */
import { doubleArea, selfIntersection, toPixels, type Anchor, type FrameSize, type Point } from './geometry.js';
import type { LineSpec, ZoneSpec } from './types.js';

export interface ResolvedZone {
  name: string;
  polygon: Point[];
  /** Labels that count; undefined: all. */
  classes: ReadonlySet<string> | undefined;
  anchor: Anchor;
  minTimeMs: number;
  leaveMs: number;
  /** undefined: no loitering events. */
  loiterMs: number | undefined;
}

export interface ResolvedLine {
  name: string;
  a: Point;
  b: Point;
  classes: ReadonlySet<string> | undefined;
  anchor: Anchor;
  hysteresisPx: number;
}

/** A problem of a spec: the field it concerns (relative to the zone or line: `points[3]`, `points`, `name`) and what is wrong. */
export interface SpecProblem {
  field: string;
  message: string;
}

const classSet = (classes: readonly string[] | undefined): ReadonlySet<string> | undefined =>
  classes === undefined || classes.length === 0 ? undefined : new Set(classes);

const fmt = (n: number): string => String(Math.round(n * 1000) / 1000);

/** Points outside the frame (fractions outside 0..1 always; pixels only when `frame` is known). */
export function framePointProblems(points: ReadonlyArray<readonly [number, number]>, units: 'pixels' | 'fraction', frame: FrameSize | undefined): SpecProblem[] {
  const out: SpecProblem[] = [];
  points.forEach(([x, y], i) => {
    if (units === 'fraction') {
      if (x < 0 || x > 1 || y < 0 || y > 1) {
        out.push({ field: `points[${i}]`, message: `[${fmt(x)}, ${fmt(y)}] is outside the frame; expected fractions between 0 and 1 (units: fraction)` });
      }
    } else if (x < 0 || y < 0 || (frame && (x > frame.width || y > frame.height))) {
      const range = frame ? `x 0..${frame.width}, y 0..${frame.height} (the source's ${frame.width}x${frame.height} frame)` : 'x and y >= 0';
      out.push({ field: `points[${i}]`, message: `[${fmt(x)}, ${fmt(y)}] is outside the frame; expected pixels with ${range}` });
    }
  });
  return out;
}

/** Problems of one zone spec; `frame`: the source's frame size when the config states it. */
export function zoneProblems(zone: ZoneSpec, frame?: FrameSize): SpecProblem[] {
  const units = zone.units ?? 'pixels';
  if (zone.points.length < 3) {
    return [{ field: 'points', message: `a zone needs at least 3 points (a polygon), received ${zone.points.length}; use a line for a tripwire` }];
  }
  const out = framePointProblems(zone.points, units, frame);
  // Shape checks in the units given: they do not depend on the frame size.
  const polygon = zone.points.map(([x, y]) => ({ x, y }));
  const crossing = selfIntersection(polygon);
  const n = polygon.length;
  if (crossing) {
    const [i, j] = crossing;
    out.push({
      field: 'points',
      message: `the polygon crosses itself: the edge from points[${i}] to points[${(i + 1) % n}] crosses the edge from points[${j}] to points[${(j + 1) % n}]; list the points in order around the zone`,
    });
  } else if (doubleArea(polygon) === 0) {
    out.push({ field: 'points', message: 'the points are all on one line: the zone has no area' });
  }
  if (zone.minTimeS !== undefined && zone.loiterS !== undefined && zone.loiterS < zone.minTimeS) {
    out.push({ field: 'loiter_s', message: `${fmt(zone.loiterS)} is less than min_time_s (${fmt(zone.minTimeS)}); loitering starts after the object entered` });
  }
  return out;
}

/** Problems of one line spec. */
export function lineProblems(line: LineSpec, frame?: FrameSize): SpecProblem[] {
  const out = framePointProblems(line.points, line.units ?? 'pixels', frame);
  const [[ax, ay], [bx, by]] = line.points;
  if (ax === bx && ay === by) out.push({ field: 'points', message: 'both points are the same: a line needs two different points' });
  return out;
}

/** Names used twice among zones and lines (they share topics): `[kind, index, first]` for each repeat. */
export function duplicateNames(zones: readonly { name: string }[], lines: readonly { name: string }[]): Array<{ list: 'zones' | 'lines'; index: number; first: string }> {
  const seen = new Map<string, string>();
  const out: Array<{ list: 'zones' | 'lines'; index: number; first: string }> = [];
  for (const [list, items] of [['zones', zones], ['lines', lines]] as const) {
    items.forEach((item, index) => {
      const first = seen.get(item.name);
      if (first) out.push({ list, index, first });
      else seen.set(item.name, `${list}[${index}]`);
    });
  }
  return out;
}

function refuse(kind: string, name: string, problems: SpecProblem[]): never {
  throw new Error(`${kind} ${name}: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
}

/** `zone` in pixels of `frame`; throws naming the zone when it has a problem. */
export function resolveZone(zone: ZoneSpec, frame: FrameSize): ResolvedZone {
  const problems = zoneProblems(zone, frame);
  if (problems.length > 0) refuse('zone', zone.name, problems);
  return {
    name: zone.name,
    polygon: toPixels(zone.points, zone.units ?? 'pixels', frame),
    classes: classSet(zone.classes),
    anchor: zone.anchor ?? 'bottom_centre',
    minTimeMs: (zone.minTimeS ?? 0) * 1000,
    leaveMs: (zone.leaveS ?? 0) * 1000,
    loiterMs: zone.loiterS === undefined ? undefined : zone.loiterS * 1000,
  };
}

/** `line` in pixels of `frame`; throws naming the line when it has a problem. */
export function resolveLine(line: LineSpec, frame: FrameSize): ResolvedLine {
  const problems = lineProblems(line, frame);
  if (problems.length > 0) refuse('line', line.name, problems);
  const [a, b] = toPixels(line.points, line.units ?? 'pixels', frame) as [{ x: number; y: number }, { x: number; y: number }];
  return { name: line.name, a, b, classes: classSet(line.classes), anchor: line.anchor ?? 'bottom_centre', hysteresisPx: line.hysteresisPx ?? 4 };
}

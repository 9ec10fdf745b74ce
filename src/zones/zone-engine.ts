/**
 * The zone engine: tracked objects in, zone and line events out, counts kept. Each update gets every live track
 * of one frame (the tracker's confirmed tracks); a track the engine knew that is not in an update has ended: its
 * visits end (`zone_leave` with reason `track_ended`) and its state is released, so memory is bounded by the
 * live tracks times the zones and lines.
 *
 * Zones and lines given in fractions are converted to pixels at the first update (the frame size is known then)
 * and again if the frame size changes.
 */
import type { LineCrossEvent, ZoneEngineEvent } from '../core/events.js';
import type { Box } from '../postprocess/types.js';
import { ZoneCounts, type CountsSnapshot } from './counts.js';
import { anchorOf, pointInPolygon, type FrameSize, type Point } from './geometry.js';
import { LineSide } from './line-crossing.js';
import { duplicateNames, resolveLine, resolveZone, type ResolvedLine, type ResolvedZone } from './resolve.js';
import type { LineSpec, ZoneSpec, ZoneSubject } from './types.js';
import { ZoneVisit, type VisitStep } from './zone-visit.js';

export interface ZoneEngineOptions {
  /** The pipeline's name, carried by every event. */
  pipeline: string;
  zones?: readonly ZoneSpec[];
  lines?: readonly LineSpec[];
}

/** One frame's input. */
export interface ZoneFrame {
  /** Capture time, wall ms. */
  atMs: number;
  /** Source frame size, pixels. */
  frame: FrameSize;
  frameId?: number;
}

interface TrackState {
  firstSeenMs: number;
  visits: Map<string, ZoneVisit>;
  lines: Map<string, LineSide>;
  /** The last update's subject, for the end of its visits. */
  last: ZoneSubject;
}

const counts = (classes: ReadonlySet<string> | undefined, label: string): boolean => classes === undefined || classes.has(label);

export class ZoneEngine {
  readonly pipeline: string;
  private readonly zoneSpecs: readonly ZoneSpec[];
  private readonly lineSpecs: readonly LineSpec[];
  private zones: ResolvedZone[] = [];
  private lines: ResolvedLine[] = [];
  private frame: FrameSize | undefined;
  private readonly tracks = new Map<number, TrackState>();
  private readonly state: ZoneCounts;

  /** Throws (naming the zone or line) on a spec the config validation refuses, and on duplicate names. */
  constructor(options: ZoneEngineOptions) {
    this.pipeline = options.pipeline;
    this.zoneSpecs = options.zones ?? [];
    this.lineSpecs = options.lines ?? [];
    const repeated = duplicateNames(this.zoneSpecs, this.lineSpecs)[0];
    if (repeated) {
      const item = (repeated.list === 'zones' ? this.zoneSpecs : this.lineSpecs)[repeated.index]!;
      throw new Error(`${repeated.list}[${repeated.index}]: the name "${item.name}" is already used by ${repeated.first}; names must be unique`);
    }
    this.state = new ZoneCounts(this.zoneSpecs, this.lineSpecs);
  }

  /** Tracks followed now. */
  get trackCount(): number {
    return this.tracks.size;
  }

  /** Counts per zone and line (current and totals). */
  snapshot(): CountsSnapshot {
    return this.state.snapshot();
  }

  /** The zones and lines in pixels of the latest update's frame (empty before the first update). */
  geometry(): { zones: ReadonlyArray<{ name: string; polygon: readonly Point[] }>; lines: ReadonlyArray<{ name: string; a: Point; b: Point }> } {
    return { zones: this.zones, lines: this.lines };
  }

  /** Objects of `label` (default: every label) inside `zone` now. */
  count(zone: string, label?: string): number {
    return this.state.count(zone, label);
  }

  /**
   * One frame: `subjects` are all live tracks (each id once). Events in a stable order: per subject in the given
   * order its zone events (zones in config order), then its line crossings; then the ends of vanished tracks.
   */
  update(subjects: readonly ZoneSubject[], at: ZoneFrame): ZoneEngineEvent[] {
    this.resolveFor(at.frame);
    const events: ZoneEngineEvent[] = [];
    const seen = new Set<number>();
    for (const subject of subjects) {
      seen.add(subject.id);
      let track = this.tracks.get(subject.id);
      if (!track) {
        track = { firstSeenMs: subject.firstSeenMs ?? at.atMs, visits: new Map(), lines: new Map(), last: subject };
        this.tracks.set(subject.id, track);
      }
      track.last = subject;
      for (const zone of this.zones) {
        let visit = track.visits.get(zone.name);
        if (!counts(zone.classes, subject.label)) {
          // A track whose label changed to one the zone does not count: its visit ends as if it left.
          if (visit) this.zoneStep(visit.end(), visit, zone.name, track, at, events);
          continue;
        }
        if (!visit) track.visits.set(zone.name, (visit = new ZoneVisit(zone)));
        const inside = pointInPolygon(anchorOf(subject.box, zone.anchor), zone.polygon);
        this.zoneStep(visit.step(inside, at.atMs), visit, zone.name, track, at, events);
      }
      for (const line of this.lines) {
        if (!counts(line.classes, subject.label)) continue;
        let side = track.lines.get(line.name);
        if (!side) track.lines.set(line.name, (side = new LineSide(line.a, line.b, line.hysteresisPx)));
        const direction = side.step(anchorOf(subject.box, line.anchor));
        if (direction === undefined) continue;
        this.state.crossed(line.name, subject.label, direction);
        const event: LineCrossEvent = { type: 'line_cross', ...this.base(subject, track, at), line: line.name, direction };
        events.push(event);
      }
    }
    for (const [id, track] of this.tracks) {
      if (seen.has(id)) continue;
      events.push(...this.endTrack(track, at));
      this.tracks.delete(id);
    }
    return events;
  }

  /** Ends every track (the pipeline stops, or the tracker was reset): the visits in progress end with `track_ended`. */
  endAll(at: ZoneFrame): ZoneEngineEvent[] {
    const events: ZoneEngineEvent[] = [];
    for (const track of this.tracks.values()) events.push(...this.endTrack(track, at));
    this.tracks.clear();
    return events;
  }

  private endTrack(track: TrackState, at: ZoneFrame): ZoneEngineEvent[] {
    const events: ZoneEngineEvent[] = [];
    for (const [zone, visit] of track.visits) this.zoneStep(visit.end(), visit, zone, track, at, events, 'track_ended');
    return events;
  }

  private zoneStep(step: VisitStep, visit: ZoneVisit, zone: string, track: TrackState, at: ZoneFrame, events: ZoneEngineEvent[], reason: 'left' | 'track_ended' = 'left'): void {
    if (step.kind === 'none') return;
    const subject = track.last;
    if (step.kind === 'enter') {
      visit.label = subject.label;
      this.state.entered(zone, visit.label);
      events.push({ type: 'zone_enter', ...this.base(subject, track, at), label: visit.label, zone, insideSinceMs: step.insideSinceMs });
    } else if (step.kind === 'loiter') {
      events.push({ type: 'loitering', ...this.base(subject, track, at), label: visit.label, zone, insideSinceMs: step.insideSinceMs, dwellMs: step.dwellMs });
    } else {
      this.state.left(zone, visit.label);
      events.push({ type: 'zone_leave', ...this.base(subject, track, at), label: visit.label, zone, insideSinceMs: step.insideSinceMs, dwellMs: step.dwellMs, reason });
    }
  }

  private base(subject: ZoneSubject, track: TrackState, at: ZoneFrame): { pipeline: string; trackId: number; label: string; score: number; atMs: number; firstSeenMs: number; box: Box; frameId?: number } {
    return {
      pipeline: this.pipeline,
      trackId: subject.id,
      label: subject.label,
      score: subject.score,
      atMs: at.atMs,
      firstSeenMs: track.firstSeenMs,
      box: { ...subject.box },
      ...(at.frameId === undefined ? {} : { frameId: at.frameId }),
    };
  }

  private resolveFor(frame: FrameSize): void {
    if (this.frame && this.frame.width === frame.width && this.frame.height === frame.height) return;
    this.zones = this.zoneSpecs.map((zone) => resolveZone(zone, frame));
    this.lines = this.lineSpecs.map((line) => resolveLine(line, frame));
    // A new frame size moves fraction zones: the sides and visits measured in the old pixels no longer apply.
    if (this.frame) for (const track of this.tracks.values()) track.lines.clear();
    this.frame = frame;
  }
}

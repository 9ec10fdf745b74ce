/**
 * Zones and lines as a pipeline result stage (src/stages/types.ts), after tracking: each prediction's tracks
 * (`analytics.tracks`, every live track, coasting ones included) go through the zone engine with the frame's
 * capture time; its events (zone_enter, zone_leave, loitering, line_cross) and, after a change, the counts go
 * to the sinks. The prediction gets `analytics.places` (the zones and lines in pixels with their counts, for
 * drawing; never serialised).
 *
 * Fraction coordinates need the frame's size: raw frames carry it (cameras), and the prediction carries it for
 * every image frame (`Prediction.frameSize`, from preprocessing), so fraction zones work on encoded frames (an
 * images source, a video file or an MJPEG camera) without a second decode. A prediction with neither (a library
 * caller's) fails with fraction zones (dropped as `stage_error`, warned).
 */
import type { ZoneEngineEvent } from '../core/events.js';
import type { Frame, Prediction } from '../core/frame.js';
import type { LineConfig, ZoneConfig } from '../config/types.js';
import type { Stage, StageContext } from '../stages/types.js';
import type { FrameSize } from './geometry.js';
import type { ZoneSubject } from './types.js';
import { ZoneEngine } from './zone-engine.js';

/** The zones and lines in source pixels with their counts now, for drawing (snapshots, a live view). */
export interface PlacesOnFrame {
  zones: ReadonlyArray<{ name: string; polygon: ReadonlyArray<{ x: number; y: number }>; count: number }>;
  lines: ReadonlyArray<{ name: string; a: { x: number; y: number }; b: { x: number; y: number }; in: number; out: number }>;
}

declare module '../core/frame.js' {
  interface PredictionAnalytics {
    /** Zones and lines of pipelines with `zones:` or `lines:` (src/zones). Never serialised. */
    places?: PlacesOnFrame;
  }
}

export interface ZonesStage extends Stage {
  /** Events by type, for the stats report and /metrics. */
  counters(): Record<string, number>;
}

export function createZonesStage(pipeline: string, zones: readonly ZoneConfig[], lines: readonly LineConfig[]): ZonesStage {
  const engine = new ZoneEngine({ pipeline, zones, lines });
  const needsSize = [...zones, ...lines].some((item) => item.units === 'fraction');
  const counters: Record<string, number> = { zoneEnter: 0, zoneLeave: 0, loitering: 0, lineCross: 0 };
  let context: StageContext | undefined;
  let last: { atMs: number; frame: FrameSize; frameId: number } | undefined;

  // Rebuilt only when the counts or the geometry change; the same object is put on predictions in between.
  let places: PlacesOnFrame | undefined;
  const placesNow = (): PlacesOnFrame => {
    if (places) return places;
    const counts = engine.snapshot();
    const sum = (labels: Record<string, { count: number }> | undefined): number => Object.values(labels ?? {}).reduce((n, l) => n + l.count, 0);
    const { zones: polygons, lines: segments } = engine.geometry();
    places = {
      zones: polygons.map((z) => ({ name: z.name, polygon: z.polygon, count: sum(counts.zones[z.name]) })),
      lines: segments.map((l) => {
        const labels = Object.values(counts.lines[l.name] ?? {});
        return { name: l.name, a: l.a, b: l.b, in: labels.reduce((n, c) => n + c.in, 0), out: labels.reduce((n, c) => n + c.out, 0) };
      }),
    };
    return places;
  };

  const tell = (events: readonly ZoneEngineEvent[]): void => {
    for (const event of events) {
      const key = event.type === 'zone_enter' ? 'zoneEnter' : event.type === 'zone_leave' ? 'zoneLeave' : event.type === 'line_cross' ? 'lineCross' : 'loitering';
      counters[key] = (counters[key] ?? 0) + 1;
      context?.emit(event);
    }
    if (events.length > 0) {
      places = undefined;
      context?.counts(engine.snapshot());
    }
  };

  const frameSize = (frame: Frame, prediction: Prediction): FrameSize => {
    const payload = frame.payload;
    if (prediction.frameSize) return prediction.frameSize;
    if (payload.kind === 'raw') return { width: payload.width, height: payload.height };
    if (needsSize) throw new Error(`zones in units: fraction need the frame's size, which neither the prediction nor the ${payload.kind} frame carries: give the points in pixels`);
    // Pixel zones need no size: a fixed stand-in keeps the engine from re-resolving on every frame, and an unbounded
    // one lets no point fall outside it (a 0x0 stand-in refused every pixel zone).
    return { width: Infinity, height: Infinity };
  };

  return {
    name: 'zones',
    start(ctx: StageContext): void {
      context = ctx;
      // The counts exist (at 0) before the first object: a retained topic or a gauge a dashboard can show.
      ctx.counts(engine.snapshot());
    },
    process(prediction: Prediction, frame: Frame): Prediction {
      const tracks = prediction.analytics?.tracks;
      if (tracks === undefined) return prediction;
      const at = { atMs: frame.capturedWallMs, frame: frameSize(frame, prediction), frameId: frame.id };
      const subjects: ZoneSubject[] = tracks.map((t) => ({ id: t.track_id, label: t.label ?? String(t.index), box: t.box, score: t.score, firstSeenMs: t.first_seen_ms }));
      const before = engine.geometry().zones;
      tell(engine.update(subjects, at));
      if (engine.geometry().zones !== before) places = undefined;
      last = at;
      return { ...prediction, analytics: { ...prediction.analytics, places: placesNow() } };
    },
    stop(): void {
      if (last) tell(engine.endAll(last));
    },
    counters: () => ({ ...counters }),
  };
}

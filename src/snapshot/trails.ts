/**
 * What a snapshot of a pipeline with tracking and zones shows besides the result: a prediction's tracks (with a
 * short trail each, kept here from prediction to prediction) and zones and lines with their counts, as
 * OverlayAnalytics. Fed every prediction by whoever draws snapshots (the MQTT snapshot publisher, a live view).
 */
import type { Prediction } from '../core/frame.js';
import type { OverlayAnalytics, OverlayLine, OverlayPoint, OverlayZone } from './analytics-overlay.js';

/** Where tracked objects stood (box bottom centre) over their last `length` predictions; tracks gone are forgotten. */
export class TrackTrails {
  private readonly trails = new Map<number, OverlayPoint[]>();

  /** `length`: points per trail (default 16: 1.6 s at 10 fps). */
  constructor(private readonly length = 16) {}

  /** Adds this prediction's positions; returns the trails of the tracks in it. */
  update(tracks: ReadonlyArray<{ track_id: number; box: { x: number; y: number; width: number; height: number } }>): Map<number, readonly OverlayPoint[]> {
    const seen = new Set<number>();
    for (const t of tracks) {
      seen.add(t.track_id);
      let trail = this.trails.get(t.track_id);
      if (!trail) this.trails.set(t.track_id, (trail = []));
      trail.push({ x: t.box.x + t.box.width / 2, y: t.box.y + t.box.height });
      if (trail.length > this.length) trail.shift();
    }
    for (const id of this.trails.keys()) if (!seen.has(id)) this.trails.delete(id);
    return this.trails;
  }
}

/** Zones and lines as the zones stage puts them on a prediction (`analytics.places`, src/zones/stage.ts). */
export interface PlacesView {
  zones: readonly OverlayZone[];
  lines: readonly OverlayLine[];
}

/**
 * The overlay for `prediction`: its tracks with their trails (`trails` is updated: call once per prediction, in
 * order) and its zones and lines; undefined when it has none of them.
 */
export function analyticsOverlay(prediction: Prediction, trails: TrackTrails): OverlayAnalytics | undefined {
  const tracks = prediction.analytics?.tracks;
  const places: PlacesView | undefined = prediction.analytics?.places;
  if (!tracks && !places) return undefined;
  const paths = tracks ? trails.update(tracks) : undefined;
  return {
    ...(tracks
      ? { tracks: tracks.map((t) => ({ id: t.track_id, index: t.index, ...(t.label === undefined ? {} : { label: t.label }), box: t.box, trail: paths?.get(t.track_id) ?? [] })) }
      : {}),
    ...(places ? { zones: places.zones, lines: places.lines } : {}),
  };
}

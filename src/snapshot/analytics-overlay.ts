/**
 * What result stages add to a snapshot (issue 13): tracked objects (id, label, a short trail of where they stood)
 * and zones and lines (outline, name, counts). Drawn under the result's own shapes for zones and lines, over them
 * for tracks. Coordinates are source pixels, scaled here like the result's.
 */
import { escapeXml, isFiniteNumber, num, printable, rgb, textColourOn, truncate, classColour, MONO_ADVANCE } from './svg.js';

export interface OverlayPoint {
  x: number;
  y: number;
}

export interface OverlayTrack {
  id: number;
  index: number;
  label?: string;
  box: { x: number; y: number; width: number; height: number };
  /** Where the object stood (its box's bottom centre) over its last updates, oldest first. */
  trail?: readonly OverlayPoint[];
}

export interface OverlayZone {
  name: string;
  /** Polygon corners, source pixels. */
  polygon: readonly OverlayPoint[];
  /** Objects inside now (every counted label). */
  count?: number;
}

export interface OverlayLine {
  name: string;
  a: OverlayPoint;
  b: OverlayPoint;
  /** Crossings since the start, each way. */
  in?: number;
  out?: number;
}

/** Optional input of renderSnapshot and overlaySvg; absent fields draw nothing. */
export interface OverlayAnalytics {
  tracks?: readonly OverlayTrack[];
  zones?: readonly OverlayZone[];
  lines?: readonly OverlayLine[];
}

/** Amber for zones, cyan for lines: apart from the class colours of boxes, and from each other. */
export const ZONE_COLOUR: readonly [number, number, number] = [255, 176, 0];
export const LINE_COLOUR: readonly [number, number, number] = [0, 200, 255];

export interface OverlayScale {
  width: number;
  height: number;
  scaleX: number;
  scaleY: number;
}

interface Sizes {
  font: number;
  stroke: number;
  pad: number;
}

const MAX_ITEMS = 100;
const MAX_TRAIL = 64;
const MAX_NAME = 32;

const finitePoint = (p: OverlayPoint | undefined): p is OverlayPoint => !!p && isFiniteNumber(p.x) && isFiniteNumber(p.y);

/** A filled tag with `label` whose top-left corner is near (x, y), kept inside the canvas. */
function tag(x: number, y: number, label: string, colour: readonly [number, number, number], canvas: OverlayScale, s: Sizes): string {
  const height = Math.round(s.font * 1.3);
  const width = Array.from(label).length * MONO_ADVANCE * s.font + 2 * s.pad;
  const left = Math.max(0, Math.min(x, canvas.width - width));
  const top = Math.max(0, Math.min(y, canvas.height - height));
  return (
    `<rect x="${num(left)}" y="${num(top)}" width="${num(width)}" height="${height}" fill="${rgb(colour)}" fill-opacity="0.85"/>` +
    `<text x="${num(left + s.pad)}" y="${num(top + height - (height - s.font) / 2 - s.font * 0.2)}" fill="${textColourOn(colour)}">${escapeXml(label)}</text>`
  );
}

const name = (text: string): string => truncate(printable(String(text)).trim(), MAX_NAME);

/** Zones and lines: drawn first, under everything else. */
export function placeShapes(analytics: OverlayAnalytics | undefined, canvas: OverlayScale, s: Sizes): string[] {
  if (!analytics) return [];
  const at = (p: OverlayPoint): string => `${num(p.x * canvas.scaleX)},${num(p.y * canvas.scaleY)}`;
  const out: string[] = [];
  for (const zone of (analytics.zones ?? []).slice(0, MAX_ITEMS)) {
    const points = (zone.polygon ?? []).filter(finitePoint);
    if (points.length < 3) continue;
    out.push(`<polygon points="${points.map(at).join(' ')}" fill="${rgb(ZONE_COLOUR)}" fill-opacity="0.12" stroke="${rgb(ZONE_COLOUR)}" stroke-width="${s.stroke}"/>`);
    const top = points.reduce((a, b) => (b.y < a.y || (b.y === a.y && b.x < a.x) ? b : a));
    const label = `${name(zone.name)}${isFiniteNumber(zone.count) ? ` ${zone.count}` : ''}`;
    out.push(tag(top.x * canvas.scaleX + s.stroke, top.y * canvas.scaleY + s.stroke, label, ZONE_COLOUR, canvas, s));
  }
  for (const line of (analytics.lines ?? []).slice(0, MAX_ITEMS)) {
    if (!finitePoint(line.a) || !finitePoint(line.b)) continue;
    const [ax, ay, bx, by] = [line.a.x * canvas.scaleX, line.a.y * canvas.scaleY, line.b.x * canvas.scaleX, line.b.y * canvas.scaleY];
    out.push(`<line x1="${num(ax)}" y1="${num(ay)}" x2="${num(bx)}" y2="${num(by)}" stroke="${rgb(LINE_COLOUR)}" stroke-width="${s.stroke}" stroke-dasharray="${s.stroke * 4},${s.stroke * 2}"/>`);
    // B's end gets a dot: the line's direction (in: crossing from the left to the right of A facing B).
    out.push(`<circle cx="${num(bx)}" cy="${num(by)}" r="${s.stroke * 2}" fill="${rgb(LINE_COLOUR)}"/>`);
    const counts = isFiniteNumber(line.in) || isFiniteNumber(line.out) ? ` in ${line.in ?? 0} out ${line.out ?? 0}` : '';
    out.push(tag(Math.min(ax, bx), Math.min(ay, by) + s.stroke, `${name(line.name)}${counts}`, LINE_COLOUR, canvas, s));
  }
  return out;
}

/** Tracks: a trail through where the object stood, and a tag `#id label` under its box; drawn last. */
export function trackShapes(analytics: OverlayAnalytics | undefined, canvas: OverlayScale, s: Sizes): string[] {
  if (!analytics) return [];
  const out: string[] = [];
  for (const track of (analytics.tracks ?? []).slice(0, MAX_ITEMS)) {
    const b = track?.box;
    if (!b || ![b.x, b.y, b.width, b.height].every(isFiniteNumber)) continue;
    const colour = classColour(track.index);
    const trail = (track.trail ?? []).slice(-MAX_TRAIL).filter(finitePoint);
    if (trail.length >= 2) {
      out.push(
        `<polyline points="${trail.map((p) => `${num(p.x * canvas.scaleX)},${num(p.y * canvas.scaleY)}`).join(' ')}" fill="none" ` +
          `stroke="${rgb(colour)}" stroke-width="${s.stroke}" stroke-linejoin="round" stroke-linecap="round"/>`,
      );
    }
    out.push(
      `<rect x="${num(b.x * canvas.scaleX)}" y="${num(b.y * canvas.scaleY)}" width="${num(b.width * canvas.scaleX)}" height="${num(b.height * canvas.scaleY)}" ` +
        `fill="none" stroke="${rgb(colour)}" stroke-width="${s.stroke}"/>`,
    );
    const label = `#${track.id}${typeof track.label === 'string' && track.label !== '' ? ` ${name(track.label)}` : ''}`;
    out.push(tag(b.x * canvas.scaleX, (b.y + b.height) * canvas.scaleY + s.stroke / 2, label, colour, canvas, s));
  }
  return out;
}

/**
 * The annotation layer of a snapshot as one SVG document, drawn at the output size: result coordinates (source
 * pixels) are multiplied by the output/source scale here, so lines and text keep their pixel size however far
 * the snapshot was downscaled to fit its byte limit.
 */
import type { DetectedObject, Keypoint, Result } from '../core/result.js';
import { placeShapes, trackShapes, type OverlayAnalytics } from './analytics-overlay.js';
import { COCO_SKELETON, keypointColour } from './skeleton.js';
import {
  FONT_FAMILY,
  MONO_ADVANCE,
  classColour,
  escapeXml,
  isFiniteNumber,
  num,
  percent,
  printable,
  rgb,
  textColourOn,
  truncate,
} from './svg.js';

export interface OverlayCanvas {
  /** Output size, pixels. */
  width: number;
  height: number;
  /** Output pixels per source pixel, per axis. */
  scaleX: number;
  scaleY: number;
}

/** Line widths and text sizes for one output size: legible at 160 px wide, not shouting at 1280. */
interface Metrics {
  font: number;
  stroke: number;
  radius: number;
  pad: number;
}

function metricsFor(canvas: OverlayCanvas): Metrics {
  const longSide = Math.max(canvas.width, canvas.height);
  const font = Math.min(24, Math.max(10, Math.round(longSide / 40)));
  return { font, stroke: Math.max(2, Math.round(longSide / 200)), radius: Math.max(2, Math.round(longSide / 160)), pad: Math.ceil(font / 4) };
}

// Bounds the SVG (and librsvg's work) for a runaway postprocessor; detect already caps its objects.
const MAX_SHAPES = 200;
const MAX_LABEL_CHARS = 32;
const PANEL_LINES = 5;

function textWidth(text: string, m: Metrics): number {
  return Array.from(text).length * MONO_ADVANCE * m.font;
}

function text(x: number, y: number, content: string, fill: string): string {
  return `<text x="${num(x)}" y="${num(y)}" fill="${fill}">${escapeXml(content)}</text>`;
}

function className(item: { index: number; label?: string }): string {
  const given = typeof item.label === 'string' ? printable(item.label).trim() : '';
  const label = given !== '' ? given : `class ${item.index}`;
  return truncate(label, MAX_LABEL_CHARS);
}

function scoreText(item: { score: number }): string {
  return isFiniteNumber(item.score) ? ` ${percent(item.score)}` : '';
}

function detections(objects: readonly DetectedObject[], canvas: OverlayCanvas, m: Metrics): string[] {
  const boxes: string[] = [];
  const tags: string[] = [];
  const tagHeight = Math.round(m.font * 1.3);
  for (const object of objects.slice(0, MAX_SHAPES)) {
    const b = object?.box;
    if (!b || ![b.x, b.y, b.width, b.height].every(isFiniteNumber)) continue;
    const x = b.x * canvas.scaleX;
    const y = b.y * canvas.scaleY;
    const colour = classColour(object.index);
    boxes.push(
      `<rect x="${num(x)}" y="${num(y)}" width="${num(b.width * canvas.scaleX)}" height="${num(b.height * canvas.scaleY)}" ` +
        `fill="none" stroke="${rgb(colour)}" stroke-width="${m.stroke}"/>`,
    );
    const label = `${className(object)}${scoreText(object)}`;
    const tagWidth = textWidth(label, m) + 2 * m.pad;
    const outer = m.stroke / 2;
    const tagX = Math.max(0, Math.min(x - outer, canvas.width - tagWidth));
    // Above the box when there is room, else just inside its top edge.
    const tagY = y - outer - tagHeight >= 0 ? y - outer - tagHeight : Math.max(0, y + outer);
    tags.push(
      `<rect x="${num(tagX)}" y="${num(tagY)}" width="${num(tagWidth)}" height="${tagHeight}" fill="${rgb(colour)}"/>`,
      text(tagX + m.pad, tagY + tagHeight - (tagHeight - m.font) / 2 - m.font * 0.2, label, textColourOn(colour)),
    );
  }
  // Tags last, so no box line crosses a label.
  return [...boxes, ...tags];
}

function pose(keypoints: readonly Keypoint[], canvas: OverlayCanvas, m: Metrics): string[] {
  const shown = new Map<string, { x: number; y: number }>();
  for (const k of keypoints.slice(0, MAX_SHAPES)) {
    if (k?.visible === true && isFiniteNumber(k.x) && isFiniteNumber(k.y)) shown.set(k.name, { x: k.x * canvas.scaleX, y: k.y * canvas.scaleY });
  }
  const out: string[] = [];
  for (const [a, b] of COCO_SKELETON) {
    const p = shown.get(a);
    const q = shown.get(b);
    if (p && q) {
      out.push(
        `<line x1="${num(p.x)}" y1="${num(p.y)}" x2="${num(q.x)}" y2="${num(q.y)}" stroke="${rgb(keypointColour(b))}" ` +
          `stroke-width="${m.stroke}" stroke-linecap="round"/>`,
      );
    }
  }
  for (const [name, p] of shown) {
    out.push(`<circle cx="${num(p.x)}" cy="${num(p.y)}" r="${m.radius}" fill="${rgb(keypointColour(name))}" stroke="#000" stroke-width="1"/>`);
  }
  return out;
}

interface PanelLine {
  text: string;
  fill: string;
}

/** Lines of text on a dark translucent panel in the top-left corner. */
function panel(lines: readonly PanelLine[], m: Metrics): string[] {
  if (lines.length === 0) return [];
  const lineHeight = Math.round(m.font * 1.25);
  const width = Math.max(...lines.map((l) => textWidth(l.text, m))) + 2 * m.pad;
  const height = lines.length * lineHeight + m.pad;
  return [
    `<rect x="0" y="0" width="${num(width)}" height="${height}" fill="#000" fill-opacity="0.6"/>`,
    ...lines.map((l, i) => text(m.pad, m.pad / 2 + (i + 1) * lineHeight - m.font * 0.3, l.text, l.fill)),
  ];
}

function byDescending<T>(items: readonly T[], key: (item: T) => number): T[] {
  const value = (item: T): number => (isFiniteNumber(key(item)) ? key(item) : -Infinity);
  return [...items].sort((a, b) => value(b) - value(a));
}

/** Up to 4 significant digits, exponent form for very large or small magnitudes. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

function shapesFor(result: Result, canvas: OverlayCanvas, m: Metrics): string[] {
  const list = <T>(value: readonly T[] | undefined): readonly T[] => (Array.isArray(value) ? value : []);
  switch (result.kind) {
    case 'detect':
      return detections(list(result.objects), canvas, m);
    case 'pose':
      return pose(list(result.keypoints), canvas, m);
    case 'classify': {
      const top = byDescending(list(result.classes), (c) => c.score).slice(0, 3);
      return panel(top.length > 0 ? top.map((c) => ({ text: `${className(c)}${scoreText(c)}`, fill: '#fff' })) : [{ text: 'no class', fill: '#fff' }], m);
    }
    case 'segment': {
      const top = byDescending(list(result.classes), (c) => c.fraction).slice(0, PANEL_LINES);
      return panel(top.map((c) => ({ text: `${className(c)} ${isFiniteNumber(c.fraction) ? percent(c.fraction) : ''}`.trimEnd(), fill: rgb(classColour(c.index)) })), m);
    }
    case 'scalar': {
      const lines: PanelLine[] = [{ text: `value ${formatValue(result.value)}`, fill: '#fff' }];
      if (result.anomaly !== true) return panel(lines, m);
      lines.push({ text: 'ANOMALY', fill: 'rgb(255,60,60)' });
      // A red frame makes the flag visible on a thumbnail too.
      const inset = m.stroke * 1.5;
      return [
        `<rect x="${num(inset)}" y="${num(inset)}" width="${num(canvas.width - 2 * inset)}" height="${num(canvas.height - 2 * inset)}" ` +
          `fill="none" stroke="rgb(255,40,40)" stroke-width="${m.stroke * 3}"/>`,
        ...panel(lines, m),
      ];
    }
    default:
      return [];
  }
}

/**
 * The overlay for `result` on a `canvas.width` x `canvas.height` image, as an SVG document; with `analytics`, also
 * the zones and lines (under the result) and the tracks with their trails (over it).
 */
export function overlaySvg(result: Result, canvas: OverlayCanvas, analytics?: OverlayAnalytics): string {
  const m = metricsFor(canvas);
  const shapes = [...placeShapes(analytics, canvas, m), ...shapesFor(result, canvas, m), ...trackShapes(analytics, canvas, m)];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas.width}" height="${canvas.height}" viewBox="0 0 ${canvas.width} ${canvas.height}">` +
    `<g font-family="${FONT_FAMILY}" font-size="${m.font}">${shapes.join('')}</g></svg>`
  );
}

// Small line charts drawn on <canvas> (a chart library would weigh more than the whole page): a fixed time
// window, one line per series, the latest value of each in the legend.

/** Line colours, distinguishable on the dark and the light theme. */
export const COLOURS = ['#4e9eff', '#ff8a3d', '#3ccf7a', '#e05cd6', '#f2c94c', '#29c7d9', '#ff5c5c', '#b08cff'];

/**
 * A bounded history of named series sampled over time. `push(t, {name: value})` adds one sample per series;
 * samples older than `windowMs` before the newest are dropped, and at most `maxPoints` are kept per series.
 */
export class History {
  constructor(windowMs, maxPoints = 600) {
    this.windowMs = windowMs;
    this.maxPoints = maxPoints;
    this.series = new Map();
    this.latest = 0;
  }

  push(t, values) {
    this.latest = Math.max(this.latest, t);
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      let points = this.series.get(name);
      if (!points) this.series.set(name, (points = []));
      points.push([t, value]);
      if (points.length > this.maxPoints) points.splice(0, points.length - this.maxPoints);
    }
    const oldest = this.latest - this.windowMs;
    for (const [name, points] of this.series) {
      let drop = 0;
      while (drop < points.length && points[drop][0] < oldest) drop++;
      if (drop > 0) points.splice(0, drop);
      if (points.length === 0) this.series.delete(name);
    }
  }
}

function themeColour(canvas, property, fallback) {
  const value = getComputedStyle(canvas).getPropertyValue(property).trim();
  return value || fallback;
}

/**
 * Draws `series` (Map name -> [[x, y], ...]) into `canvas`, x from `x0` to `x1`. y from 0 (or the lowest value when
 * negative) to the highest value, rounded up. `unit` is printed after the numbers.
 */
export function drawLines(canvas, series, { x0, x1, unit = '', title = '', fixedMin } = {}) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 100;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const text = themeColour(canvas, '--chart-text', '#888');
  const grid = themeColour(canvas, '--chart-grid', 'rgba(128,128,128,0.25)');
  g.font = '11px system-ui, sans-serif';

  let lo = fixedMin ?? Infinity;
  let hi = -Infinity;
  for (const points of series.values()) {
    for (const [, y] of points) {
      if (fixedMin === undefined) lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
  }
  if (!Number.isFinite(hi)) {
    g.fillStyle = text;
    g.fillText(`${title}: no data yet`, 6, 16);
    return;
  }
  if (fixedMin === undefined) lo = Math.min(0, lo);
  if (hi <= lo) hi = lo + 1;
  hi = niceCeil(hi);

  const left = 4;
  const top = 16;
  const plotW = width - left - 4;
  const plotH = height - top - 4;
  const sx = (x) => left + ((x - x0) / Math.max(1e-9, x1 - x0)) * plotW;
  const sy = (y) => top + plotH - ((y - lo) / (hi - lo)) * plotH;

  g.strokeStyle = grid;
  g.lineWidth = 1;
  g.beginPath();
  for (const y of [lo, (lo + hi) / 2, hi]) {
    g.moveTo(left, Math.round(sy(y)) + 0.5);
    g.lineTo(left + plotW, Math.round(sy(y)) + 0.5);
  }
  g.stroke();

  let legendX = 6;
  g.fillStyle = text;
  const head = `${title} (max ${formatNumber(hi)}${unit})`;
  g.fillText(head, legendX, 11);
  legendX += g.measureText(head).width + 10;

  let index = 0;
  for (const [name, points] of series) {
    const colour = COLOURS[index++ % COLOURS.length];
    g.strokeStyle = colour;
    g.lineWidth = 1.5;
    g.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? g.moveTo(sx(x), sy(y)) : g.lineTo(sx(x), sy(y))));
    g.stroke();
    const last = points[points.length - 1];
    const label = `${name} ${formatNumber(last[1])}${unit}`;
    g.fillStyle = colour;
    g.fillText(label, legendX, 11);
    legendX += g.measureText(label).width + 10;
  }
}

function niceCeil(value) {
  const power = 10 ** Math.floor(Math.log10(Math.abs(value)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function formatNumber(value) {
  const abs = Math.abs(value);
  if (abs >= 100) return String(Math.round(value));
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

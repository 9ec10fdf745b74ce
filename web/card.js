// One card per pipeline: the live image (image pipelines) or the input window and score plots (sensor
// pipelines), the frame counter, the pause / resume / snapshot buttons and the fps and latency charts.
import { isSnapshotUrl, pipelineUrl, postJson } from './api.js';
import { drawLines, History } from './chart.js';
import { el, num, setText, slug } from './dom.js';

const CHART_WINDOW_MS = 5 * 60_000;
const SCORE_WINDOW_MS = 2 * 60_000;
const FPS_CHOICES = [1, 2, 5, 10];
const DEFAULT_FPS = 5;

/** A chart's left edge: its oldest sample, shown over at least 30 s (the window fills from the left). */
function startOf(history, x1) {
  let first = x1;
  for (const points of history.series.values()) if (points.length > 0) first = Math.min(first, points[0][0]);
  return Math.max(x1 - history.windowMs, Math.min(first, x1 - 30_000));
}

export class PipelineCard {
  /** `editor` gets clicks on the live image while it edits this pipeline. */
  constructor(pipeline, editor) {
    this.name = pipeline.name;
    this.kind = pipeline.kind;
    this.editor = editor;
    this.history = new History(CHART_WINDOW_MS, 400);
    this.latencyHistory = new History(CHART_WINDOW_MS, 400);
    this.frameCount = 0;
    this.frame = pipeline.frame ?? null;
    this.streamFps = DEFAULT_FPS;
    this.retryTimer = undefined;

    this.counter = el('span', { className: 'frame-counter', 'data-frames': '0' }, 'no frame yet');
    this.summary = el('span', { className: 'summary' });
    this.message = el('span', { className: 'message', 'aria-live': 'polite' });
    this.pausedBadge = el('span', { className: 'badge paused-badge', hidden: true }, 'paused');
    const buttons = el(
      'div',
      { className: 'buttons' },
      this.button('Pause', 'pause'),
      this.button('Resume', 'resume'),
      this.button('Snapshot', 'snapshot'),
      this.message,
    );
    this.snapshots = el('div', { className: 'snapshots' });
    this.fpsChart = el('canvas', { className: 'chart fps-chart' });
    this.latencyChart = el('canvas', { className: 'chart latency-chart' });

    this.root = el(
      'article',
      { className: `card card-${pipeline.kind}`, id: `card-${slug(pipeline.name)}`, 'data-pipeline': pipeline.name },
      el('header', {}, el('h3', {}, pipeline.name), this.pausedBadge, this.counter),
      pipeline.kind === 'series' ? this.buildSeries() : this.buildImage(),
      el('div', { className: 'summary-line' }, this.summary),
      buttons,
      this.snapshots,
      el('div', { className: 'charts' }, this.fpsChart, this.latencyChart),
    );
  }

  button(label, command) {
    const b = el('button', { type: 'button', className: `action action-${command}`, 'data-command': command }, label);
    b.addEventListener('click', () => this.command(command, b));
    return b;
  }

  async command(command, button) {
    button.disabled = true;
    setText(this.message, `${command}…`);
    try {
      const reply = await postJson(pipelineUrl(this.name, command));
      setText(this.message, reply?.message ?? (reply?.ok ? `${command}: done` : `${command}: refused`));
      this.message.className = reply?.ok ? 'message ok' : 'message error';
      if (command === 'snapshot' && reply?.ok && isSnapshotUrl(reply.url)) {
        this.snapshots.prepend(el('a', { href: reply.url, target: '_blank', rel: 'noopener' }, el('img', { src: reply.url, alt: `snapshot of ${this.name}`, className: 'thumb' })));
        while (this.snapshots.children.length > 6) this.snapshots.lastChild.remove();
      }
    } catch (error) {
      setText(this.message, `${command}: ${error.message}`);
      this.message.className = 'message error';
    } finally {
      button.disabled = false;
    }
  }

  buildImage() {
    this.img = el('img', { className: 'live', alt: `live view of ${this.name}` });
    this.overlay = el('canvas', { className: 'overlay' });
    this.view = el('div', { className: 'view' }, this.img, this.overlay);
    this.streamNote = el('span', { className: 'stream-note muted' });
    const select = el('select', { className: 'fps-select', 'aria-label': `frames per second of ${this.name}'s live view` });
    for (const fps of FPS_CHOICES) select.append(el('option', { value: String(fps), selected: fps === DEFAULT_FPS }, `${fps} fps`));
    select.append(el('option', { value: '0' }, 'off'));
    select.addEventListener('change', () => {
      this.streamFps = Number(select.value);
      this.startStream();
    });
    this.fpsSelect = select;
    this.img.addEventListener('load', () => {
      setText(this.streamNote, '');
      this.editor.redraw();
    });
    this.img.addEventListener('error', () => {
      // The status is not visible to an <img>: 503 (too many viewers), a reload or a lost connection.
      if (!this.img.getAttribute('src')) return;
      setText(this.streamNote, 'live view unavailable (too many viewers, or the pipeline restarted); retrying in 5 s');
      this.stopStream();
      this.retryTimer = setTimeout(() => this.startStream(), 5000);
    });
    this.overlay.addEventListener('click', (event) => {
      const rect = this.overlay.getBoundingClientRect();
      const size = this.frameSize();
      if (!size || rect.width === 0) return;
      const x = ((event.clientX - rect.left) / rect.width) * size.width;
      const y = ((event.clientY - rect.top) / rect.height) * size.height;
      this.editor.click(this.name, x, y, size);
    });
    this.startStream();
    return el('div', { className: 'image-part' }, this.view, el('label', { className: 'fps-label' }, 'Live view ', select), this.streamNote);
  }

  buildSeries() {
    this.windowChart = el('canvas', { className: 'chart window-chart' });
    this.scoreChart = el('canvas', { className: 'chart score-chart' });
    this.scores = new History(SCORE_WINDOW_MS, 600);
    return el('div', { className: 'series-part' }, this.windowChart, this.scoreChart);
  }

  /** Frame size in pixels: the server's (LiveState frame), else the image's own. */
  frameSize() {
    if (this.frame && this.frame.width > 0 && this.frame.height > 0) return this.frame;
    if (this.img && this.img.naturalWidth > 0) return { width: this.img.naturalWidth, height: this.img.naturalHeight };
    return null;
  }

  startStream() {
    if (!this.img) return;
    clearTimeout(this.retryTimer);
    if (this.streamFps <= 0 || document.hidden) {
      this.stopStream();
      return;
    }
    // A new URL per start: the browser must open a new stream, not reuse a finished one.
    this.img.src = `${pipelineUrl(this.name, 'stream.mjpeg')}?fps=${this.streamFps}&t=${Date.now()}`;
  }

  /** Closes the MJPEG connection: the server encodes only while someone watches. */
  stopStream() {
    if (!this.img) return;
    clearTimeout(this.retryTimer);
    this.img.removeAttribute('src');
  }

  /** One pipeline entry of a `state` event. */
  updateState(p, atMs) {
    this.frame = p.frame ?? this.frame;
    this.pausedBadge.hidden = !p.paused;
    this.root.classList.toggle('is-paused', Boolean(p.paused));
    this.history.push(atMs, { in: p.fps_in, out: p.fps_out });
    // The total and the model's own time say most; every stage when the server has no total.
    const stages = Object.entries(p.latency_ms ?? {});
    const chosen = stages.some(([stage]) => stage === 'total') ? stages.filter(([stage]) => stage === 'total' || stage === 'infer') : stages;
    const latency = {};
    for (const [stage, l] of chosen) latency[stage] = l?.p50;
    this.latencyHistory.push(atMs, latency);
    const x1 = this.history.latest;
    const x0 = startOf(this.history, x1);
    drawLines(this.fpsChart, this.history.series, { x0, x1, title: 'fps', fixedMin: 0 });
    drawLines(this.latencyChart, this.latencyHistory.series, { x0, x1, title: 'latency p50', unit: ' ms', fixedMin: 0 });
  }

  /** A `prediction` event: the frame counter and the result's summary. */
  updatePrediction(event) {
    if (typeof event.frame_id === 'number') this.setCounter(event.frame_id);
    setText(this.summary, event.summary ?? '');
  }

  setCounter(frameId, word = 'frame') {
    this.frameCount = frameId;
    this.counter.setAttribute('data-frames', String(frameId));
    setText(this.counter, `${word} ${frameId}`);
  }

  /** A `series` event: the input window per channel, and the scores over time. */
  updateSeries(event) {
    if (!this.windowChart) return;
    const channels = Array.isArray(event.window?.channels) ? event.window.channels : [];
    const values = Array.isArray(event.window?.values) ? event.window.values : [];
    const lines = new Map();
    let length = 0;
    channels.forEach((channel, i) => {
      const row = Array.isArray(values[i]) ? values[i] : [];
      length = Math.max(length, row.length);
      lines.set(String(channel), row.map((v, j) => [j, Number(v)]));
    });
    drawLines(this.windowChart, lines, { x0: 0, x1: Math.max(1, length - 1), title: 'input window' });
    const t = Date.parse(event.time) || Date.now();
    this.scores.push(t, event.scores ?? {});
    drawLines(this.scoreChart, this.scores.series, { x0: startOf(this.scores, this.scores.latest), x1: this.scores.latest, title: 'score', fixedMin: 0 });
    this.setCounter(this.frameCount + 1, 'window');
    const best = Object.entries(event.scores ?? {}).sort((a, b) => b[1] - a[1])[0];
    setText(this.summary, best ? `${best[0]} ${num(best[1], 2)}` : '');
  }

  remove() {
    this.stopStream();
    this.root.remove();
  }
}

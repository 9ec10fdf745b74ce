// The zone and mask editor: points clicked on a pipeline's live image become a zone, a line or a mask in the
// pipeline's YAML vocabulary; "Insert" adds them to the pipeline's file (fetched from the server, or pasted),
// "Check" validates the edited file on the server exactly like `edgepipe validate` and lists each problem at its line.
import { ApiError, getJson, pipelineUrl, postJson } from './api.js';
import { el, fill, setText } from './dom.js';
import { insertShape, SHAPES, snippet } from './yaml-snippet.js';

const POINT_COLOUR = '#ffea00';

export class ZoneEditor {
  /** `cards()` gives the current PipelineCard of each name; `pipelines()` the latest LiveState pipelines. */
  constructor(container, { cards, pipelines }) {
    this.cards = cards;
    this.pipelines = pipelines;
    this.points = [];
    this.loadedFor = null;

    this.pipelineSelect = el('select', { id: 'editor-pipeline', 'aria-label': 'pipeline' });
    this.kindSelect = el('select', { id: 'editor-kind', 'aria-label': 'what to draw' });
    for (const [kind, spec] of Object.entries(SHAPES)) this.kindSelect.append(el('option', { value: kind }, spec.label));
    this.nameInput = el('input', { id: 'editor-name', type: 'text', value: 'zone-1', maxLength: 63, spellcheck: false, 'aria-label': 'name' });
    this.unitsSelect = el('select', { id: 'editor-units', 'aria-label': 'units' }, el('option', { value: 'pixels' }, 'pixels'), el('option', { value: 'fraction' }, 'fraction of the frame'));
    this.hint = el('p', { className: 'muted', id: 'editor-hint' });
    this.yaml = el('pre', { id: 'editor-yaml', className: 'yaml' });
    this.file = el('textarea', { id: 'editor-file', rows: 16, spellcheck: false, wrap: 'off', 'aria-label': 'pipeline file' });
    this.fileName = el('span', { id: 'editor-file-name', className: 'muted' });
    this.status = el('p', { id: 'editor-status', 'aria-live': 'polite' });
    this.problems = el('ol', { id: 'editor-problems', className: 'problems' });

    const button = (label, id, action) => {
      const b = el('button', { type: 'button', id }, label);
      b.addEventListener('click', action);
      return b;
    };
    for (const control of [this.pipelineSelect, this.kindSelect, this.unitsSelect]) control.addEventListener('change', () => this.changed(control));
    this.nameInput.addEventListener('input', () => this.render());
    this.file.addEventListener('focus', () => {
      if (this.loadedFor === null) this.loadFile(false);
    });

    fill(
      container,
      el(
        'div',
        { className: 'editor-controls' },
        el('label', {}, 'Pipeline ', this.pipelineSelect),
        el('label', {}, 'Draw ', this.kindSelect),
        el('label', {}, 'Name ', this.nameInput),
        el('label', {}, 'Units ', this.unitsSelect),
        button('Undo point', 'editor-undo', () => {
          this.points.pop();
          this.render();
        }),
        button('Clear', 'editor-clear', () => {
          this.points = [];
          this.render();
        }),
      ),
      this.hint,
      el('h3', {}, 'YAML to paste under the pipeline'),
      this.yaml,
      el('div', { className: 'editor-file-head' }, el('h3', {}, 'Pipeline file '), this.fileName),
      this.file,
      el('div', { className: 'buttons' }, button('Insert into file', 'editor-insert', () => this.insert()), button('Load file', 'editor-reload', () => this.loadFile(true)), button('Check', 'editor-check', () => this.check())),
      this.status,
      this.problems,
    );
    this.render();
  }

  /** Keeps the pipeline choice in line with the image pipelines of the latest state. */
  updatePipelines(pipelines) {
    const names = pipelines.filter((p) => p.kind === 'image').map((p) => p.name);
    const current = [...this.pipelineSelect.options].map((o) => o.value);
    if (names.join('\n') !== current.join('\n')) {
      const selected = this.pipelineSelect.value;
      fill(this.pipelineSelect, names.map((name) => el('option', { value: name, selected: name === selected }, name)));
      this.changed(this.pipelineSelect);
    }
  }

  selected() {
    return this.pipelines().find((p) => p.name === this.pipelineSelect.value) ?? null;
  }

  changed(control) {
    if (control === this.pipelineSelect) {
      this.points = [];
      // The file is read from the device only once someone uses the editor, not on every page load.
      if (this.loadedFor !== null) this.loadFile(false);
    }
    if (control === this.kindSelect) {
      const spec = SHAPES[this.kindSelect.value];
      this.nameInput.disabled = !spec.named;
      if (spec.named && /^(zone|line|mask)-\d+$/.test(this.nameInput.value)) this.nameInput.value = `${this.kindSelect.value === 'line' ? 'line' : this.kindSelect.value === 'zone' ? 'zone' : 'mask'}-1`;
      if (this.points.length > spec.maxPoints) this.points.length = spec.maxPoints;
    }
    this.render();
  }

  /** A click on `pipeline`'s live image at frame pixel (x, y). */
  click(pipeline, x, y, frame) {
    if (pipeline !== this.pipelineSelect.value) {
      this.pipelineSelect.value = pipeline;
      this.changed(this.pipelineSelect);
    }
    this.frame = frame;
    if (this.loadedFor === null) this.loadFile(false);
    const spec = SHAPES[this.kindSelect.value];
    if (this.points.length >= spec.maxPoints) this.points.shift();
    this.points.push([x, y]);
    this.render();
  }

  shape() {
    const card = this.cards().get(this.pipelineSelect.value);
    const frame = card?.frameSize() ?? this.frame;
    if (!frame) return null;
    return { kind: this.kindSelect.value, name: this.nameInput.value.trim(), units: this.unitsSelect.value, points: this.points, frame };
  }

  render() {
    const spec = SHAPES[this.kindSelect.value];
    const missing = spec.minPoints - this.points.length;
    setText(
      this.hint,
      this.pipelineSelect.value === ''
        ? 'No image pipeline to draw on.'
        : missing > 0
          ? `Click ${missing} more point${missing === 1 ? '' : 's'} on the live image of ${this.pipelineSelect.value}${spec.maxPoints === Infinity ? ' (in order around the shape)' : ''}.`
          : `${this.points.length} points. ${spec.maxPoints === Infinity ? 'Click to add more, ' : ''}"Insert into file", then "Check".`,
    );
    const shape = this.shape();
    setText(this.yaml, shape && this.points.length > 0 ? snippet(shape) : '');
    this.redraw();
  }

  /** Draws the points being edited over the selected pipeline's live image (and clears the other overlays). */
  redraw() {
    for (const [name, card] of this.cards()) {
      const canvas = card.overlay;
      if (!canvas) continue;
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      if (canvas.width !== width || canvas.height !== height) {
        canvas.width = width;
        canvas.height = height;
      }
      const g = canvas.getContext('2d');
      g.clearRect(0, 0, width, height);
      const frame = card.frameSize();
      if (name !== this.pipelineSelect.value || !frame || this.points.length === 0) continue;
      const sx = width / frame.width;
      const sy = height / frame.height;
      g.strokeStyle = POINT_COLOUR;
      g.fillStyle = POINT_COLOUR;
      g.lineWidth = 2;
      g.beginPath();
      this.points.forEach(([x, y], i) => (i === 0 ? g.moveTo(x * sx, y * sy) : g.lineTo(x * sx, y * sy)));
      if (this.kindSelect.value !== 'line' && this.points.length >= 3) g.closePath();
      g.stroke();
      for (const [x, y] of this.points) {
        g.beginPath();
        g.arc(x * sx, y * sy, 4, 0, 2 * Math.PI);
        g.fill();
      }
    }
  }

  /** Fetches the selected pipeline's file into the text area (`force`: also over edits not yet checked). */
  async loadFile(force) {
    const pipeline = this.selected();
    if (!pipeline) return;
    // Edits to another pipeline's file are kept when the next pipeline lives in the same file.
    if (!force && this.loadedFor === pipeline.file) return;
    this.loadedFor = pipeline.file ?? '';
    setText(this.fileName, pipeline.file ?? '');
    try {
      const reply = await getJson(pipelineUrl(pipeline.name, 'config'));
      if (typeof reply?.yaml === 'string') this.file.value = reply.yaml;
      setText(this.status, '');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        setText(this.status, 'This server does not hand out the file: paste the pipeline file here, then insert and check.');
      } else {
        setText(this.status, `Could not load the file: ${error.message}`);
      }
    }
  }

  insert() {
    const shape = this.shape();
    const spec = SHAPES[this.kindSelect.value];
    if (!shape || this.points.length < spec.minPoints) {
      this.showStatus(`A ${spec.label} needs at least ${spec.minPoints} points.`, 'error');
      return;
    }
    if (this.file.value.trim() === '') {
      this.showStatus('The file is empty: load or paste the pipeline file first.', 'error');
      return;
    }
    const result = insertShape(this.file.value, this.pipelineSelect.value, shape);
    if (result.error) {
      this.showStatus(`Could not insert: ${result.error}.`, 'error');
      return;
    }
    this.file.value = result.text;
    this.points = [];
    this.render();
    this.showStatus('Inserted; press "Check" to validate the file.', 'ok');
  }

  async check() {
    const pipeline = this.selected();
    fill(this.problems);
    this.showStatus('Checking…', '');
    try {
      const reply = await postJson('/api/validate', { file: pipeline?.file ?? '', yaml: this.file.value });
      const problems = Array.isArray(reply?.problems) ? reply.problems : [];
      if (reply?.ok && problems.length === 0) {
        this.showStatus('No problems: the file is valid. Save it on the device and reload the service.', 'ok');
        return;
      }
      this.showStatus(`${problems.length} problem${problems.length === 1 ? '' : 's'}:`, 'error');
      const lines = this.file.value.split(/\r?\n/);
      fill(
        this.problems,
        problems.map((p) => {
          const item = el(
            'li',
            { className: 'problem', 'data-line': p.line },
            el('button', { type: 'button', className: 'linkish' }, `line ${p.line ?? '?'}${p.col ? `:${p.col}` : ''}`),
            ' ',
            p.path ? el('code', {}, String(p.path)) : null,
            p.path ? ': ' : null,
            String(p.message),
            typeof p.line === 'number' && lines[p.line - 1] !== undefined ? el('pre', { className: 'problem-line' }, `${p.line} | ${lines[p.line - 1]}`) : null,
          );
          item.querySelector('button').addEventListener('click', () => this.selectLine(p.line));
          return item;
        }),
      );
    } catch (error) {
      this.showStatus(`Check failed: ${error.message}`, 'error');
    }
  }

  /** Selects line `line` (1-based) of the text area and scrolls it into view. */
  selectLine(line) {
    const lines = this.file.value.split('\n');
    if (typeof line !== 'number' || line < 1 || line > lines.length) return;
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    this.file.focus();
    this.file.setSelectionRange(start, start + lines[line - 1].length);
    const lineHeight = this.file.scrollHeight / Math.max(1, lines.length);
    this.file.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  showStatus(text, kind) {
    setText(this.status, text);
    this.status.className = kind;
  }
}

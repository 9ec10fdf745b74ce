// The pipeline list: one row per pipeline of the latest `state` event, rebuilt cell by cell (text only).
import { age, el, fill, num, setText } from './dom.js';

const COLUMNS = ['Pipeline', 'State', 'Source', 'Delegate', 'fps in / out', 'Drops', 'Latency p50 / p99 (ms)', 'Last reload'];

/** Builds the table into `container`; returns `update(state)`. */
export function pipelineTable(container) {
  const body = el('tbody');
  const table = el('table', { className: 'pipelines', id: 'pipeline-table' }, el('thead', {}, el('tr', {}, COLUMNS.map((c) => el('th', { scope: 'col' }, c)))), body);
  const empty = el('p', { className: 'muted', id: 'no-pipelines' }, 'No pipelines yet.');
  // On a phone the table scrolls sideways inside its box instead of widening the page.
  fill(container, el('div', { className: 'table-scroll' }, table), empty);
  const rows = new Map();

  return function update(state) {
    const seen = new Set();
    for (const p of state.pipelines) {
      seen.add(p.name);
      let row = rows.get(p.name);
      if (!row) {
        row = el('tr', { 'data-pipeline': p.name });
        for (let i = 0; i < COLUMNS.length; i++) row.append(el('td'));
        rows.set(p.name, row);
      }
      body.append(row); // keeps the server's order
      fillRow(row, p);
    }
    for (const [name, row] of rows) {
      if (!seen.has(name)) {
        row.remove();
        rows.delete(name);
      }
    }
    empty.hidden = rows.size > 0;
  };
}

function fillRow(row, p) {
  const cells = row.children;
  setText(cells[0], p.name);
  cells[0].className = 'name';

  const stateText = p.paused ? `${p.state} (paused)` : p.state;
  setText(cells[1], stateText);
  cells[1].className = `state state-${String(p.state).replace(/[^a-z]/g, '')}${p.paused ? ' paused' : ''}`;
  cells[1].setAttribute('data-state', p.state);

  const source = p.source ?? {};
  fill(
    cells[2],
    el('span', { className: 'source-state' }, String(source.state ?? '–')),
    ', last frame ',
    el('span', { className: 'frame-age' }, age(source.last_frame_age_ms)),
    source.error ? el('div', { className: 'error' }, String(source.error)) : null,
  );

  const delegate = p.delegate ?? { active: '–', refused: [] };
  const refused = Array.isArray(delegate.refused) ? delegate.refused : [];
  fill(
    cells[3],
    el('span', { className: 'delegate-active' }, String(delegate.active ?? '–')),
    refused.length > 0
      ? el('ul', { className: 'refused' }, refused.map((r) => el('li', {}, el('b', {}, `${String(r.name)} refused: `), String(r.reason))))
      : null,
  );

  setText(cells[4], `${num(p.fps_in)} / ${num(p.fps_out)}`);

  const drops = Object.entries(p.drops ?? {}).filter(([, n]) => n > 0);
  fill(cells[5], drops.length === 0 ? 'none' : el('ul', { className: 'plain' }, drops.map(([reason, n]) => el('li', {}, `${reason}: ${n}`))));

  const latency = Object.entries(p.latency_ms ?? {});
  fill(
    cells[6],
    latency.length === 0
      ? '–'
      : el('ul', { className: 'plain' }, latency.map(([stage, l]) => el('li', {}, `${stage} ${num(l?.p50)} / ${num(l?.p99)}`))),
  );

  const reload = p.last_reload;
  fill(
    cells[7],
    reload
      ? el('span', { className: `reload reload-${String(reload.outcome).replace(/[^a-z]/g, '')}` }, `${reload.outcome}${reload.time ? ` at ${shortTime(reload.time)}` : ''}${reload.message ? `: ${reload.message}` : ''}`)
      : 'none since start',
  );
}

/** "14:03:22" of an ISO time, or the text itself when it does not parse. */
export function shortTime(iso) {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? String(iso) : t.toLocaleTimeString([], { hour12: false });
}

// Recent track events (SSE `track`, edgepipe.track_event/1), newest first, with their best snapshot when the
// server kept one. The server replays its recent events to each new stream (a reconnect too): an event whose SSE
// id is already listed is not added again.
import { isSnapshotUrl } from './api.js';
import { el } from './dom.js';
import { shortTime } from './pipelines.js';

const MAX_EVENTS = 50;

/** Builds the list into `container`; returns `add(event, id)` (`id`: the SSE event id, empty when none). */
export function eventList(container) {
  const list = el('ol', { className: 'events', id: 'event-list' });
  const empty = el('p', { className: 'muted' }, 'No events yet: they appear when the tracker, a zone or a line raises one.');
  container.replaceChildren(empty, list);

  const shown = new Set();

  return function add(event, id = '') {
    if (id !== '' && shown.has(id)) return;
    if (id !== '') shown.add(id);
    empty.hidden = true;
    const where = event.zone ?? event.line ?? null;
    const what = [
      String(event.type ?? 'event'),
      event.label !== undefined ? `${event.label}` : null,
      event.track_id !== undefined ? `#${event.track_id}` : null,
      where !== null ? `in ${where}` : null,
      event.direction ? `(${event.direction})` : null,
      // An end event's own score is that of the frame where the tracker gave up (often 0): its best says more.
      typeof event.best_score === 'number' ? `best score ${event.best_score.toFixed(2)}` : typeof event.score === 'number' ? `score ${event.score.toFixed(2)}` : null,
    ]
      .filter((part) => part !== null)
      .join(' ');
    const item = el(
      'li',
      { className: `event event-${String(event.type).replace(/[^a-z_]/g, '')}`, 'data-event-id': id || undefined },
      el('time', {}, shortTime(event.time ?? (typeof event.time_ms === 'number' ? new Date(event.time_ms).toISOString() : new Date().toISOString()))),
      el('span', { className: 'event-pipeline' }, String(event.pipeline ?? '')),
      el('span', { className: 'event-what' }, what),
      isSnapshotUrl(event.snapshot_url)
        ? el('a', { href: event.snapshot_url, target: '_blank', rel: 'noopener' }, el('img', { className: 'thumb', src: event.snapshot_url, alt: `snapshot: ${what}`, loading: 'lazy' }))
        : null,
    );
    list.prepend(item);
    while (list.children.length > MAX_EVENTS) {
      shown.delete(list.lastChild.getAttribute('data-event-id'));
      list.lastChild.remove();
    }
  };
}

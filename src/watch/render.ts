/** What `edgepipe watch` prints for a snapshot: a table for people, one JSON object for scripts. Pure. */
import { printable, printableJson } from '../runtime/printable.js';
import type { Subscriptions } from './topics.js';
import type { Gap, WatchSnapshot } from './state.js';

export interface ViewContext {
  /** The broker URL without credentials. */
  broker: string;
  /** `connected`, `connecting`, or `disconnected: <why>`. */
  connection: string;
  subscriptions: Subscriptions;
  /** ISO 8601 time of the refresh. */
  time: string;
}

const HEADERS = ['DEVICE', 'PIPELINE', 'STATUS', 'FPS', 'P50 ms', 'LATEST', 'SEQ', 'DROPS', 'DUP', 'SCHEMA'];
const RIGHT = new Set(['FPS', 'P50 ms', 'SEQ', 'DROPS', 'DUP', 'SCHEMA']);
const SHOWN_GAPS = 5;

const dash = (v: number | string | null): string => (v === null ? '-' : String(v));

/** `3-4, 9` for the last SHOWN_GAPS gaps, with how many earlier ones are not shown. */
export function formatGaps(gaps: readonly Gap[]): string {
  const shown = gaps.slice(-SHOWN_GAPS).map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`));
  return gaps.length > SHOWN_GAPS ? `... ${shown.join(', ')}` : shown.join(', ');
}

export function renderText(snapshot: WatchSnapshot, view: ViewContext): string {
  const header = `edgepipe watch  ${view.broker}  ${view.connection}  ${view.time.slice(11, 19)} UTC`;
  const rows = snapshot.streams.map((s) => [
    s.device,
    s.pipeline,
    s.status,
    s.fps === null ? '-' : s.fps.toFixed(1),
    s.latency_p50_ms === null ? '-' : s.latency_p50_ms.toFixed(2),
    dash(s.latest),
    dash(s.last_seq),
    String(s.drops),
    String(s.duplicates),
    s.schema_errors === 0 ? 'ok' : String(s.schema_errors),
  ]);
  for (const d of snapshot.silent_devices) rows.push([d.device, '-', d.status, '-', '-', 'no predictions yet', '-', '-', '-', '-']);
  // Names, labels and statuses come from whatever was published: no control character reaches the terminal.
  for (const row of rows) row.forEach((cell, i) => (row[i] = printable(cell, { tabs: false })));
  if (rows.length === 0) return `${header}\nwaiting for messages on ${view.subscriptions.predictions} and ${view.subscriptions.status}\n`;
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (RIGHT.has(HEADERS[i]!) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const notes: string[] = [];
  for (const s of snapshot.streams) {
    const name = `${s.device}/${s.pipeline}`;
    if (s.gaps.length > 0) notes.push(`${name}: missing seq ${formatGaps(s.gaps)}`);
    if (s.late > 0) notes.push(`${name}: ${s.late} message(s) arrived after a gap (counted, not dropped)`);
    if (s.resets > 0) notes.push(`${name}: seq went back ${s.resets} time(s) (outbox reset?)`);
    if (s.last_schema_problem !== null) notes.push(`${name}: ${s.schema_errors} invalid payload(s), latest: ${s.last_schema_problem}`);
    if (s.status === 'offline') notes.push(`${name}: device ${s.device} is offline`);
  }
  if (snapshot.ignored > 0) notes.push(`${snapshot.ignored} other message(s) ignored`);
  return [header, '', line(HEADERS), ...rows.map(line), ...(notes.length > 0 ? ['', ...notes.map((n) => printable(n))] : [])].join('\n') + '\n';
}

/** One line of JSON (a contract, like the other commands' --json). */
export function renderJson(snapshot: WatchSnapshot, view: ViewContext): string {
  return `${printableJson(JSON.stringify({ time: view.time, broker: view.broker, connection: view.connection, subscriptions: view.subscriptions, ...snapshot }))}\n`;
}

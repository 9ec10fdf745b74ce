/**
 * The live view's recent track events: each as the record every sink writes (src/events/record.ts,
 * edgepipe.track_event/1) plus `snapshot_url` when its best picture is kept in the live view's store. The last
 * MAX_RECENT_EVENTS are replayed to an event stream when it opens, so a page opened after an object left still
 * lists it with its picture; each carries an SSE id (`<run>-<seq>`) by which the page drops one it already shows.
 */
import { randomBytes } from 'node:crypto';
import type { TrackEvent } from '../core/events.js';
import { trackEventRecord } from '../events/record.js';
import type { SnapshotStore } from './snapshot-store.js';

/** Events kept for replay: the page lists 50. */
export const MAX_RECENT_EVENTS = 50;

export interface LiveTrackEvent {
  /** The SSE id: unique within this process (`run` differs after a restart). */
  id: string;
  record: Record<string, unknown>;
}

const snapshotUrl = /^\/api\/snapshots\/([0-9a-f]{32})\.jpg$/;

export class RecentEvents {
  private readonly run = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly events: LiveTrackEvent[] = [];

  constructor(private readonly pictures: SnapshotStore) {}

  /**
   * The event as the live view sends it. An end event's picture (`snapshot.jpeg`) is copied into the store (the
   * copy is the store's own: the tracker's buffer is not held) and named by `snapshot_url`.
   */
  add(event: TrackEvent): LiveTrackEvent {
    const record = trackEventRecord(event);
    const jpeg = 'snapshot' in event ? event.snapshot?.jpeg : undefined;
    if (jpeg) {
      const id = this.pictures.add(Buffer.from(jpeg));
      if (id) record['snapshot_url'] = `/api/snapshots/${id}.jpg`;
    }
    this.seq += 1;
    const entry = { id: `${this.run}-${this.seq}`, record };
    this.events.push(entry);
    if (this.events.length > MAX_RECENT_EVENTS) this.events.shift();
    return entry;
  }

  /** The kept events, oldest first; a `snapshot_url` whose picture was evicted since is left out (it would 404). */
  list(): LiveTrackEvent[] {
    return this.events.map((entry) => {
      const url = entry.record['snapshot_url'];
      const id = typeof url === 'string' ? snapshotUrl.exec(url)?.[1] : undefined;
      if (id === undefined || this.pictures.has(id)) return entry;
      const { snapshot_url: _evicted, ...record } = entry.record;
      return { id: entry.id, record };
    });
  }
}

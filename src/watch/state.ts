/**
 * What `edgepipe watch` knows, aggregated from received messages: no I/O and no clock (every call takes the
 * time), so it is tested directly. Every buffer is bounded: arrivals within the fps window (at most
 * MAX_ARRIVALS), the last LATENCY_SAMPLES latencies, the last RECENT_IDS ids, the last MAX_GAPS gaps.
 *
 * Sequence numbers are tracked per stream (device and pipeline), as src/sinks/mqtt/envelope.ts numbers them.
 * A seq above the next expected one is a gap (its count goes to `drops`); a seq that later fills a gap is
 * `late` and no longer a drop; a repeated id is a `duplicate` (at-least-once redelivery); a seq going back with
 * a new id is a `reset` (the device lost its outbox), and tracking restarts there.
 */
import type { Json, PayloadCheck } from './schema-check.js';
import { summariseResult } from './summary.js';

export const FPS_WINDOW_MS = 5000;
const MAX_ARRIVALS = 10_000;
const LATENCY_SAMPLES = 100;
const RECENT_IDS = 1000;
/** Streams and devices tracked; messages of further ones are counted as ignored. */
export const MAX_STREAMS = 500;
export const MAX_GAPS = 32;

export type DeviceStatus = 'online' | 'offline' | 'unknown';

export interface Gap {
  from: number;
  to: number;
}

interface Stream {
  device: string;
  pipeline: string;
  messages: number;
  arrivals: number[];
  latencies: number[];
  latest: string | undefined;
  lastSeq: number | undefined;
  gaps: Gap[];
  drops: number;
  late: number;
  duplicates: number;
  resets: number;
  recentIds: Set<string>;
  schemaErrors: number;
  lastProblem: string | undefined;
  lastArrivalMs: number;
}

export interface StreamSnapshot {
  device: string;
  pipeline: string;
  status: DeviceStatus;
  messages: number;
  /** Arrivals per second over the last FPS_WINDOW_MS; null with fewer than two arrivals in it. */
  fps: number | null;
  /** Median of latency_ms.total over the last 100 payloads that had one. */
  latency_p50_ms: number | null;
  latest: string | null;
  last_seq: number | null;
  drops: number;
  gaps: Gap[];
  late: number;
  duplicates: number;
  resets: number;
  schema_errors: number;
  last_schema_problem: string | null;
  last_message_ms_ago: number;
}

export interface WatchSnapshot {
  streams: StreamSnapshot[];
  /** Devices whose status arrived but none of their pipelines' predictions yet. */
  silent_devices: Array<{ device: string; status: DeviceStatus }>;
  /** Messages on watched topics that are neither a prediction nor a status, or a status not online/offline. */
  ignored: number;
}

export class WatchState {
  private readonly streams = new Map<string, Stream>();
  private readonly statuses = new Map<string, DeviceStatus>();
  private ignoredCount = 0;

  constructor(private readonly check: PayloadCheck) {}

  /** A (retained) status message: `online` or `offline`; an empty payload clears a retained one. */
  status(device: string, payload: string): void {
    const text = payload.trim();
    if (!this.statuses.has(device) && this.statuses.size >= MAX_STREAMS) this.ignoredCount += 1;
    else if (text === 'online' || text === 'offline') this.statuses.set(device, text);
    else if (text === '') this.statuses.set(device, 'unknown');
    else this.ignoredCount += 1;
  }

  ignored(): void {
    this.ignoredCount += 1;
  }

  /** A prediction payload received on `edgepipe/{device}/{pipeline}/predictions` at `nowMs`. */
  prediction(device: string, pipeline: string, payload: string, nowMs: number): void {
    const stream = this.stream(device, pipeline);
    if (!stream) {
      this.ignoredCount += 1;
      return;
    }
    stream.messages += 1;
    stream.lastArrivalMs = nowMs;
    stream.arrivals.push(nowMs);
    if (stream.arrivals.length > MAX_ARRIVALS) stream.arrivals.shift();
    let value: Json;
    try {
      value = JSON.parse(payload) as Json;
    } catch (error) {
      this.problem(stream, [`not JSON: ${(error as Error).message}`]);
      return;
    }
    const problems = this.check(value);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem(stream, problems);
      return;
    }
    if (typeof value['device'] === 'string' && value['device'] !== device) problems.push(`$.device: "${value['device']}" but the topic says "${device}"`);
    if (typeof value['pipeline'] === 'string' && value['pipeline'] !== pipeline) problems.push(`$.pipeline: "${value['pipeline']}" but the topic says "${pipeline}"`);
    this.problem(stream, problems);
    stream.latest = summariseResult(value['result']);
    const latency = value['latency_ms'];
    if (latency !== null && typeof latency === 'object' && !Array.isArray(latency) && typeof latency['total'] === 'number') {
      stream.latencies.push(latency['total']);
      if (stream.latencies.length > LATENCY_SAMPLES) stream.latencies.shift();
    }
    const seq = value['seq'];
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1) this.sequence(stream, seq, typeof value['id'] === 'string' ? value['id'] : undefined);
  }

  snapshot(nowMs: number): WatchSnapshot {
    const streams = [...this.streams.values()]
      .sort((a, b) => a.device.localeCompare(b.device) || a.pipeline.localeCompare(b.pipeline))
      .map((s) => this.streamSnapshot(s, nowMs));
    const seen = new Set(streams.map((s) => s.device));
    const silent_devices = [...this.statuses]
      .filter(([device]) => !seen.has(device))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([device, status]) => ({ device, status }));
    return { streams, silent_devices, ignored: this.ignoredCount };
  }

  private streamSnapshot(s: Stream, nowMs: number): StreamSnapshot {
    while (s.arrivals.length > 0 && s.arrivals[0]! < nowMs - FPS_WINDOW_MS) s.arrivals.shift();
    const span = s.arrivals.length >= 2 ? s.arrivals[s.arrivals.length - 1]! - s.arrivals[0]! : 0;
    return {
      device: s.device,
      pipeline: s.pipeline,
      status: this.statuses.get(s.device) ?? 'unknown',
      messages: s.messages,
      fps: span > 0 ? round(((s.arrivals.length - 1) * 1000) / span, 1) : null,
      latency_p50_ms: s.latencies.length > 0 ? round(median(s.latencies), 2) : null,
      latest: s.latest ?? null,
      last_seq: s.lastSeq ?? null,
      drops: s.drops,
      gaps: s.gaps.map((g) => ({ ...g })),
      late: s.late,
      duplicates: s.duplicates,
      resets: s.resets,
      schema_errors: s.schemaErrors,
      last_schema_problem: s.lastProblem ?? null,
      last_message_ms_ago: Math.max(0, nowMs - s.lastArrivalMs),
    };
  }

  private sequence(stream: Stream, seq: number, id: string | undefined): void {
    const repeated = id !== undefined && stream.recentIds.has(id);
    if (id !== undefined && !repeated) {
      stream.recentIds.add(id);
      if (stream.recentIds.size > RECENT_IDS) stream.recentIds.delete(stream.recentIds.values().next().value!);
    }
    const last = stream.lastSeq;
    if (last === undefined || seq === last + 1) {
      stream.lastSeq = seq;
    } else if (seq > last + 1) {
      stream.gaps.push({ from: last + 1, to: seq - 1 });
      if (stream.gaps.length > MAX_GAPS) stream.gaps.shift();
      stream.drops += seq - last - 1;
      stream.lastSeq = seq;
    } else if (repeated) {
      stream.duplicates += 1;
    } else if (this.fillGap(stream, seq)) {
      stream.drops -= 1;
      stream.late += 1;
    } else {
      stream.resets += 1;
      stream.gaps = [];
      stream.lastSeq = seq;
    }
  }

  /** Removes `seq` from the gap holding it; false when no gap does. */
  private fillGap(stream: Stream, seq: number): boolean {
    const i = stream.gaps.findIndex((g) => g.from <= seq && seq <= g.to);
    if (i < 0) return false;
    const gap = stream.gaps[i]!;
    const parts = [
      ...(gap.from < seq ? [{ from: gap.from, to: seq - 1 }] : []),
      ...(seq < gap.to ? [{ from: seq + 1, to: gap.to }] : []),
    ];
    stream.gaps.splice(i, 1, ...parts);
    if (stream.gaps.length > MAX_GAPS) stream.gaps.shift();
    return true;
  }

  /** Counts a message with problems once, keeping its first problem. */
  private problem(stream: Stream, problems: readonly string[]): void {
    if (problems.length === 0) return;
    const message = problems.length > 1 ? `${problems[0]} (+${problems.length - 1} more)` : problems[0]!;
    stream.schemaErrors += 1;
    stream.lastProblem = message.length > 200 ? `${message.slice(0, 197)}...` : message;
  }

  private stream(device: string, pipeline: string): Stream | undefined {
    const key = `${device}\u0000${pipeline}`;
    let stream = this.streams.get(key);
    if (!stream) {
      if (this.streams.size >= MAX_STREAMS) return undefined;
      stream = {
        device,
        pipeline,
        messages: 0,
        arrivals: [],
        latencies: [],
        latest: undefined,
        lastSeq: undefined,
        gaps: [],
        drops: 0,
        late: 0,
        duplicates: 0,
        resets: 0,
        recentIds: new Set(),
        schemaErrors: 0,
        lastProblem: undefined,
        lastArrivalMs: 0,
      };
      this.streams.set(key, stream);
    }
    return stream;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * One pipeline's frame tap: a sink (added to the pipeline like the metrics sink) that asks for the frame only while
 * someone watches (PredictionSink.wantsFrame, read per frame by the pipeline) and then draws the prediction on it
 * with src/snapshot's overlay (frame-encoder.ts). One encode at a time per pipeline, shared by every viewer due a frame: the encode
 * rate is the fastest viewer's fps at most, never the source's, and nothing is encoded when nobody watches.
 */
import type { TrackEvent } from '../core/events.js';
import type { Prediction } from '../core/frame.js';
import type { PredictionSink, ServiceNotice } from '../sinks/types.js';
import { FrameEncoder } from './frame-encoder.js';

/** An annotated frame, ready to send. */
export interface EncodedFrame {
  jpeg: Buffer;
  frameId: number;
  /** Date.now() at capture. */
  capturedWallMs: number;
  /** Of the JPEG. */
  width: number;
  height: number;
}

/** A stream that wants frames no more often than every `intervalMs`. */
export interface FrameViewer {
  intervalMs: number;
  /** performance.now() from which the next frame is due. */
  nextAtMs: number;
  deliver(frame: EncodedFrame): void;
}

/** frame.jpg and snapshot requests waiting at once per pipeline; more are refused (503). */
export const MAX_WAITING_FRAMES = 8;

export interface TapEvents {
  /** Whether anyone listens to events (SSE): then frames are attached for series and prediction summaries. */
  listening(): boolean;
  emit(event: 'prediction' | 'series', data: unknown): void;
  /** A track event of this pipeline, whether or not anyone listens (the live view keeps the recent ones). */
  track(event: TrackEvent): void;
}

/** Event kinds sent at most this often per pipeline, ms (4 per second). */
const EVENT_INTERVAL_MS = 250;

export class FrameTap {
  readonly name: string;
  private readonly viewers = new Set<FrameViewer>();
  private waiting: Array<(frame: EncodedFrame | undefined) => void> = [];
  private encoding = false;
  private readonly encoder = new FrameEncoder();
  /** Frames encoded, and frames whose drawing failed (the reason in lastError). */
  encoded = 0;
  encodeErrors = 0;
  lastError: string | undefined;
  /** Frames written to viewers, and frames a viewer missed because its socket had not drained. */
  sent = 0;
  skipped = 0;
  /** Size of the latest frame seen (source pixels for raw frames, the JPEG's for encoded ones). */
  frameSize: { width: number; height: number } | undefined;
  lastReload: { outcome: 'ok' | 'refused'; time: string; message: string } | undefined;
  private lastEventMs: Record<'prediction' | 'series', number> = { prediction: -Infinity, series: -Infinity };

  constructor(name: string, private readonly events: TapEvents) {
    this.name = name;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** True while a viewer, a waiting frame.jpg or an event listener needs the frames. */
  get wantsFrame(): boolean {
    return this.viewers.size > 0 || this.waiting.length > 0 || this.events.listening();
  }

  addViewer(viewer: FrameViewer): void {
    this.viewers.add(viewer);
  }

  removeViewer(viewer: FrameViewer): void {
    this.viewers.delete(viewer);
  }

  /** The next annotated frame, or undefined after `timeoutMs`; 'busy' when MAX_WAITING_FRAMES already wait. */
  nextFrame(timeoutMs: number): Promise<EncodedFrame | undefined> | 'busy' {
    if (this.waiting.length >= MAX_WAITING_FRAMES) return 'busy';
    return new Promise((resolve) => {
      const done = (frame: EncodedFrame | undefined): void => {
        clearTimeout(timer);
        this.waiting = this.waiting.filter((w) => w !== done);
        resolve(frame);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.waiting.push(done);
    });
  }

  /** The sink the pipeline writes to (one per pipeline instance; the tap outlives restarts). */
  sink(): PredictionSink {
    let written = 0;
    const tap = this;
    return {
      kind: 'live',
      name: `${this.name}/live`,
      get wantsFrame() {
        return tap.wantsFrame;
      },
      start: async () => undefined,
      write(prediction: Prediction) {
        written += 1;
        tap.offer(prediction);
      },
      event: (event: TrackEvent) => this.events.track(event),
      notice: (notice: ServiceNotice) => {
        if (notice.kind === 'reload') this.lastReload = { outcome: notice.ok ? 'ok' : 'refused', time: new Date(notice.atMs).toISOString(), message: notice.message };
      },
      flush: async () => true,
      stop: async () => undefined,
      stats: () => ({ written, dropped: 0, errors: 0, pending: 0 }),
    };
  }

  /** A prediction from the pipeline: events when due, an encode when a viewer is due a frame and none is running. */
  offer(prediction: Prediction): void {
    const frame = prediction.frame;
    if (frame?.kind === 'raw') this.frameSize = { width: frame.width, height: frame.height };
    if (this.events.listening()) this.emitEvents(prediction);
    if (!frame || frame.kind === 'series' || this.encoding) return;
    const now = performance.now();
    const due = this.waiting.length > 0 || [...this.viewers].some((viewer) => now >= viewer.nextAtMs);
    if (!due) return;
    this.encoding = true;
    // The frame's bytes are read until the encode settles; the pipeline does not reuse them.
    this.encoder
      .encode(frame, prediction.result)
      .then((outcome) => {
        this.encoded += 1;
        this.frameSize = { width: outcome.sourceWidth, height: outcome.sourceHeight };
        this.deliver({ jpeg: outcome.jpeg, frameId: prediction.frameId, capturedWallMs: prediction.capturedWallMs, width: outcome.width, height: outcome.height });
      })
      .catch((error: unknown) => {
        // libvips messages span lines.
        this.encodeErrors += 1;
        this.lastError = (error as Error).message.replace(/\s+/g, ' ').trim();
      })
      .finally(() => {
        this.encoding = false;
      });
  }

  private deliver(frame: EncodedFrame): void {
    const now = performance.now();
    for (const viewer of this.viewers) {
      if (now < viewer.nextAtMs) continue;
      // On a schedule, so the average rate is the asked one whatever the source's frame times; a viewer far
      // behind (the pipeline was paused) starts again from now instead of catching up.
      viewer.nextAtMs = Math.max(viewer.nextAtMs + viewer.intervalMs, now - viewer.intervalMs / 2);
      viewer.deliver(frame);
    }
    for (const done of this.waiting.slice()) done(frame);
  }

  private emitEvents(prediction: Prediction): void {
    const now = performance.now();
    const frame = prediction.frame;
    const kind = frame?.kind === 'series' ? 'series' : 'prediction';
    if (now - this.lastEventMs[kind] < EVENT_INTERVAL_MS) return;
    this.lastEventMs[kind] = now;
    const time = new Date(prediction.capturedWallMs).toISOString();
    if (frame?.kind === 'series') {
      const channels = [...frame.channels];
      const values = channels.map((_, c) => Array.from({ length: frame.steps }, (_, s) => round(frame.values[s * channels.length + c]!)));
      this.events.emit('series', { pipeline: this.name, time, window: { channels, values }, scores: scoresOf(prediction) });
      return;
    }
    this.events.emit('prediction', { pipeline: this.name, frame_id: prediction.frameId, time, summary: summaryOf(prediction) });
  }
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1e4) / 1e4 : 0;
}

/** The result's scores by label: classes, or the scalar's value (and anomaly as 0/1). */
export function scoresOf(prediction: Prediction): Record<string, number> {
  const result = prediction.result;
  switch (result.kind) {
    case 'classify':
    case 'segment':
      return Object.fromEntries(result.classes.slice(0, 8).map((c) => [c.label ?? `class ${c.index}`, round(c.score)]));
    case 'scalar':
      return { value: round(result.value), anomaly: result.anomaly ? 1 : 0 };
    default:
      return {};
  }
}

/** `person 0.91, car 0.80`: the result in one line. */
export function summaryOf(prediction: Prediction): string {
  const result = prediction.result;
  const scored = (items: ReadonlyArray<{ label?: string; index: number; score: number }>): string =>
    items
      .slice(0, 8)
      .map((c) => `${c.label ?? `class ${c.index}`} ${c.score.toFixed(2)}`)
      .join(', ');
  switch (result.kind) {
    case 'classify':
    case 'segment':
      return scored(result.classes) || 'no class';
    case 'detect':
      return scored(result.objects) || 'nothing detected';
    case 'pose':
      return `${result.keypoints.filter((k) => k.visible).length} keypoints`;
    case 'scalar':
      return `value ${result.value.toFixed(3)}${result.anomaly ? ' ANOMALY' : ''}`;
  }
}

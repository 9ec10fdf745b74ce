/**
 * Annotated JPEG snapshots on events (docs/mqtt.md#snapshots): at most one being drawn or sent at a time; a
 * snapshot asked for meanwhile, or while disconnected, is dropped and counted (a snapshot is a picture of now:
 * queueing it would only send a stale one later). Published as binary, QoS 0, outside the outbox.
 */
import type { FramePayload, ImagePayload } from '../../core/frame.js';
import type { Result } from '../../core/result.js';
import type { OverlayAnalytics } from '../../snapshot/analytics-overlay.js';

export interface SnapshotCounts {
  /** Written to the connection. */
  published: number;
  /** Not taken: one in flight already, no image in the frame, or not connected. */
  dropped: number;
  /** The frame could not be drawn, or no version fitted in max_bytes. */
  failed: number;
}

/** The frame's image, copied (the pipeline may reuse its buffers once write() returns). */
function copyImage(frame: FramePayload | undefined): ImagePayload | undefined {
  if (frame === undefined) return undefined;
  if (frame.kind === 'encoded') return { kind: 'encoded', bytes: Uint8Array.from(frame.bytes) };
  if (frame.kind === 'raw') return { ...frame, data: Uint8Array.from(frame.data) };
  return undefined;
}

/** What became of one snapshot. */
export type SnapshotOutcome = 'published' | 'dropped' | 'failed';

/** A `snapshot` command's answer: the frame it showed and what became of it, or that no frame came in time. */
export type RequestedSnapshot = { frameId: number; outcome: SnapshotOutcome } | { timedOut: true };

export class SnapshotPublisher {
  readonly counts: SnapshotCounts = { published: 0, dropped: 0, failed: 0 };
  private inFlight: Promise<void> | undefined;
  /** `snapshot` commands waiting for the next frame that finds the publisher free. */
  private requests: Array<(answer: RequestedSnapshot) => void> = [];

  /**
   * `render`: the annotated JPEG or undefined (annotatedSnapshot). `send`: publishes it and calls `done` once,
   * with true when it was written to the connection.
   */
  constructor(
    private readonly render: (image: ImagePayload, result: Result, analytics?: OverlayAnalytics) => Promise<Buffer | undefined>,
    private readonly send: (jpeg: Buffer, done: (ok: boolean) => void) => void,
  ) {}

  /** Takes a snapshot of `frame` with `result` drawn on it, unless one is in flight (then it is dropped). */
  offer(frame: FramePayload | undefined, result: Result, analytics?: OverlayAnalytics): Promise<SnapshotOutcome> {
    const image = this.inFlight ? undefined : copyImage(frame);
    if (!image) {
      this.counts.dropped += 1;
      return Promise.resolve('dropped');
    }
    const taken = this.take(image, structuredClone(result), analytics && structuredClone(analytics));
    this.inFlight = taken.then(() => undefined).finally(() => (this.inFlight = undefined));
    return taken;
  }

  /** A command's snapshot: of the next frame that finds no other snapshot in flight, at most `timeoutMs` away. */
  request(timeoutMs: number): Promise<RequestedSnapshot> {
    return new Promise<RequestedSnapshot>((resolve) => {
      const timer = setTimeout(() => {
        this.requests = this.requests.filter((waiter) => waiter !== settle);
        resolve({ timedOut: true });
      }, timeoutMs);
      const settle = (answer: RequestedSnapshot): void => {
        clearTimeout(timer);
        resolve(answer);
      };
      this.requests.push(settle);
    });
  }

  /**
   * Each prediction: a snapshot when it raised an event or a command asked for one (and none is in flight).
   * `analytics`: tracks, zones and lines to draw too.
   */
  consider(frame: FramePayload | undefined, result: Result, frameId: number, event: boolean, analytics?: OverlayAnalytics): void {
    const waiting = this.inFlight ? [] : this.requests.splice(0);
    if (!event && waiting.length === 0) return;
    const taken = this.offer(frame, result, analytics);
    if (waiting.length > 0) void taken.then((outcome) => waiting.forEach((settle) => settle({ frameId, outcome })));
  }

  /** Resolves once no snapshot is in flight. */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  private async take(image: ImagePayload, result: Result, analytics: OverlayAnalytics | undefined): Promise<SnapshotOutcome> {
    let jpeg: Buffer | undefined;
    try {
      jpeg = await this.render(image, result, analytics);
    } catch {
      jpeg = undefined; // only invalid options throw, and those are checked by the config schema
    }
    if (!jpeg) {
      this.counts.failed += 1;
      return 'failed';
    }
    const sent = await new Promise<boolean>((resolve) => this.send(jpeg, resolve));
    if (sent) this.counts.published += 1;
    else this.counts.dropped += 1;
    return sent ? 'published' : 'dropped';
  }
}

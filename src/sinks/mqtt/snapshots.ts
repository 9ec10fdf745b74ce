/**
 * Annotated JPEG snapshots on events (docs/mqtt.md#snapshots): at most one being drawn or sent at a time; a
 * snapshot asked for meanwhile, or while disconnected, is dropped and counted (a snapshot is a picture of now:
 * queueing it would only send a stale one later). Published as binary, QoS 0, outside the outbox.
 */
import type { FramePayload, ImagePayload } from '../../pipeline/frame.js';
import type { Result } from '../../postprocess/types.js';

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

export class SnapshotPublisher {
  readonly counts: SnapshotCounts = { published: 0, dropped: 0, failed: 0 };
  private inFlight: Promise<void> | undefined;

  /**
   * `render`: the annotated JPEG or undefined (annotatedSnapshot). `send`: publishes it and calls `done` once,
   * with true when it was written to the connection.
   */
  constructor(
    private readonly render: (image: ImagePayload, result: Result) => Promise<Buffer | undefined>,
    private readonly send: (jpeg: Buffer, done: (ok: boolean) => void) => void,
  ) {}

  /** Takes a snapshot of `frame` with `result` drawn on it, unless one is in flight (then it is dropped). */
  offer(frame: FramePayload | undefined, result: Result): Promise<SnapshotOutcome> {
    const image = this.inFlight ? undefined : copyImage(frame);
    if (!image) {
      this.counts.dropped += 1;
      return Promise.resolve('dropped');
    }
    const taken = this.take(image, structuredClone(result));
    this.inFlight = taken.then(() => undefined).finally(() => (this.inFlight = undefined));
    return taken;
  }

  /** A snapshot is being drawn or sent: another one offered now would be dropped. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Resolves once no snapshot is in flight. */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  private async take(image: ImagePayload, result: Result): Promise<SnapshotOutcome> {
    let jpeg: Buffer | undefined;
    try {
      jpeg = await this.render(image, result);
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

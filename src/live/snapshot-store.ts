/**
 * JPEGs the live view serves by random id under /api/snapshots/ID.jpg: the frames taken with the snapshot button
 * (POST .../snapshot) and the best pictures of track events. A ring bounded in count and bytes; the oldest go
 * first and are counted, so a busy scene costs a fixed amount of memory.
 */
import { randomBytes } from 'node:crypto';

export interface SnapshotStoreLimits {
  /** Pictures kept at most. */
  maxCount: number;
  /** Bytes of all pictures together at most. */
  maxBytes: number;
  /** Largest picture accepted, bytes (a larger one is refused, counted). */
  maxPictureBytes: number;
}

/** Snapshot button: up to 32 annotated frames (at most 1280 px wide, 100-300 KB each), 16 MiB together. */
export const COMMAND_SNAPSHOT_LIMITS: SnapshotStoreLimits = { maxCount: 32, maxBytes: 16 * 1024 * 1024, maxPictureBytes: 4 * 1024 * 1024 };

/**
 * Track events' best pictures (src/tracking/best-snapshots.ts: at most 320 px wide and 48 KiB each): 64, more than
 * the 50 events the page lists, so every picture the page shows is still kept; 3 MiB = 64 x 48 KiB.
 */
export const EVENT_SNAPSHOT_LIMITS: SnapshotStoreLimits = { maxCount: 64, maxBytes: 3 * 1024 * 1024, maxPictureBytes: 256 * 1024 };

export class SnapshotStore {
  private readonly snapshots = new Map<string, Buffer>();
  private bytes = 0;
  /** kept: pictures stored; evicted: older ones removed to make room; refused: larger than maxPictureBytes. */
  readonly counts = { kept: 0, evicted: 0, refused: 0 };

  constructor(private readonly limits: SnapshotStoreLimits = COMMAND_SNAPSHOT_LIMITS) {}

  /** Pictures held now. */
  get size(): number {
    return this.snapshots.size;
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /**
   * Keeps `jpeg` (dropping the oldest while over the limits) and returns its id (32 hex digits, 128 random
   * bits: not guessable); undefined when the picture alone is larger than maxPictureBytes.
   */
  add(jpeg: Buffer): string | undefined {
    if (jpeg.byteLength > this.limits.maxPictureBytes) {
      this.counts.refused += 1;
      return undefined;
    }
    const id = randomBytes(16).toString('hex');
    this.snapshots.set(id, jpeg);
    this.bytes += jpeg.byteLength;
    this.counts.kept += 1;
    while (this.snapshots.size > this.limits.maxCount || this.bytes > this.limits.maxBytes) {
      const [oldest, picture] = this.snapshots.entries().next().value!;
      this.snapshots.delete(oldest);
      this.bytes -= picture.byteLength;
      this.counts.evicted += 1;
    }
    return id;
  }

  get(id: string): Buffer | undefined {
    return this.snapshots.get(id);
  }

  has(id: string): boolean {
    return this.snapshots.has(id);
  }
}

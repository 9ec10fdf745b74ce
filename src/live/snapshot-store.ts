/** Snapshots taken from the live view (POST .../snapshot), kept in a bounded ring and served by random id. */
import { randomBytes } from 'node:crypto';

export const MAX_SNAPSHOTS = 32;

export class SnapshotStore {
  private readonly snapshots = new Map<string, Buffer>();

  /** Keeps `jpeg` (dropping the oldest beyond MAX_SNAPSHOTS) and returns its id. */
  add(jpeg: Buffer): string {
    const id = randomBytes(16).toString('hex');
    this.snapshots.set(id, jpeg);
    if (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    return id;
  }

  get(id: string): Buffer | undefined {
    return this.snapshots.get(id);
  }
}

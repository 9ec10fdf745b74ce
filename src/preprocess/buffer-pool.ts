/**
 * Reused byte buffers for per-frame scratch (YUV converted to RGB). A buffer is taken for one frame and given
 * back when sharp is done with it, so frames in flight at the same time never share one.
 */
export class BufferPool {
  private readonly free: Uint8Array[] = [];

  /** @param keep buffers kept for reuse (more frames in flight allocate and drop the extras). */
  constructor(private readonly keep = 4) {}

  /** A buffer of exactly `bytes` bytes (a view on a reused allocation of at least that size). */
  take(bytes: number): Uint8Array {
    const i = this.free.findIndex((b) => b.buffer.byteLength >= bytes);
    const found = i >= 0 ? this.free.splice(i, 1)[0]! : undefined;
    const backing = found ? new Uint8Array(found.buffer) : new Uint8Array(bytes);
    return backing.subarray(0, bytes);
  }

  give(buffer: Uint8Array): void {
    if (this.free.length < this.keep) this.free.push(buffer);
  }
}

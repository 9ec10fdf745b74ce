/**
 * Cuts a byte stream of raw video (ffmpeg `-f rawvideo`, a V4L2 dump) into frames of a fixed size.
 *
 * Chunks arrive at whatever size the pipe delivers (64 KiB on Linux, but any size must work); each frame is
 * copied once into a buffer of its own, allocated outside Node's shared pool, because the engine may hold a frame
 * while the next is being filled. No chunk is concatenated, so the cost is one copy per byte.
 */

/** Splits a stream into frames of exactly `frameBytes` bytes. */
export class RawFrameSplitter {
  readonly frameBytes: number;
  private current: Buffer | undefined;
  private filled = 0;

  /** `frameBytes`: bytes per frame (width * height * bytes per pixel), an integer >= 1. */
  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes < 1) throw new RangeError(`frame size must be an integer >= 1, got ${frameBytes}`);
    this.frameBytes = frameBytes;
  }

  /** Bytes of an incomplete frame held back (what `reset()` would discard). */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Takes the next chunk; returns the frames it completed, in order (often none, sometimes several). */
  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      // allocUnsafeSlow: never a slice of the shared pool, so a frame's buffer is its own.
      this.current ??= Buffer.allocUnsafeSlow(this.frameBytes);
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.current.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        frames.push(this.current);
        this.current = undefined;
        this.filled = 0;
      }
    }
    return frames;
  }

  /** Drops a partial frame (the producer restarted); returns how many bytes were dropped. */
  reset(): number {
    const dropped = this.filled;
    this.filled = 0;
    return dropped;
  }
}

/**
 * Cuts an MJPEG byte stream (concatenated JPEG files, as ffmpeg `-f mjpeg` or `rpicam-vid --codec mjpeg` write
 * them) into one JPEG per frame.
 *
 * Searching for the bytes FF D9 is not enough: an EXIF APP1 segment carries a whole thumbnail JPEG with its own
 * SOI and EOI, and any segment's payload may hold FF D9 by chance. So the splitter walks the marker structure
 * (ITU-T T.81, B.1): after SOI, each marker is FF xx; standalone markers (RSTn, TEM) have no length, the others
 * carry a 2-byte big-endian length that is skipped whole, unread. After SOS comes entropy-coded data, where a
 * data byte FF is always followed by 00 (byte stuffing) and FF D0-D7 are restart markers; the first FF followed by
 * anything else is a real marker, ending the scan (progressive JPEGs have several scans). The frame ends at the
 * EOI found that way. FF fill bytes before a marker are allowed (T.81 B.1.1.2).
 *
 * Bytes that cannot be JPEG (garbage between frames, a frame cut short by a new SOI, a frame over the size limit
 * without EOI) are dropped and counted as corrupt; the splitter then resynchronises on the next FF D8. A frame cut
 * short inside a length-prefixed segment may swallow up to 64 KiB of what follows (the length is believed); the
 * next byte that is not a marker then drops it, and parsing resumes from the byte after its SOI, so at most the
 * following frame is lost too.
 */

/** Default size limit of one JPEG, bytes: beyond it without EOI the frame counts as corrupt. */
export const DEFAULT_MAX_JPEG_BYTES = 16 * 1024 * 1024;

type State = 'soi' | 'marker' | 'length' | 'segment' | 'entropy';

/** Incremental, marker-aware splitter of concatenated JPEGs. */
export class MjpegSplitter {
  /** Frames dropped: no EOI within the size limit, or cut short by the next SOI / by a byte that is no marker. */
  corruptFrames = 0;
  private readonly maxBytes: number;
  private buffer: Buffer;
  /** Bytes of `buffer` in use, and where the parser stands within them. */
  private length = 0;
  private pos = 0;
  private state: State = 'soi';
  /** Payload bytes still to skip in the current segment, and whether it is SOS (entropy data follows). */
  private skip = 0;
  private segmentIsSos = false;

  /** `maxBytes`: the largest JPEG accepted (default 16 MiB). */
  constructor(maxBytes = DEFAULT_MAX_JPEG_BYTES) {
    this.maxBytes = maxBytes;
    this.buffer = Buffer.allocUnsafeSlow(Math.min(maxBytes, 256 * 1024) + 2);
  }

  /** Takes the next chunk; returns the complete JPEGs it finished, each in a buffer of its own. */
  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.maxBytes + 2 - this.length);
      this.append(chunk.subarray(offset, offset + take));
      offset += take;
      this.parse(frames);
      if (this.length >= this.maxBytes + 2 && this.state !== 'soi') this.dropFrame();
    }
    return frames;
  }

  /** Forgets a partial frame (the producer restarted). Not counted: the restart is. */
  reset(): void {
    this.length = 0;
    this.pos = 0;
    this.state = 'soi';
  }

  private append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(this.maxBytes + 2, Math.max(this.buffer.length * 2, this.length + bytes.length)));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Discards the frame being parsed and everything after its SOI, counting it; resumes looking for SOI. */
  private dropFrame(): void {
    this.corruptFrames += 1;
    // Keep the bytes after the frame's SOI: a new SOI may be among them.
    this.discard(Math.min(2, this.length));
    this.state = 'soi';
  }

  /** Removes the first `count` bytes (moving the rest to the front). */
  private discard(count: number): void {
    this.buffer.copy(this.buffer, 0, count, this.length);
    this.length -= count;
    this.pos = Math.max(0, this.pos - count);
    if (this.state === 'soi') this.pos = 0;
  }

  private parse(frames: Buffer[]): void {
    const b = this.buffer;
    for (;;) {
      switch (this.state) {
        case 'soi': {
          // The frame starts at buffer[0] once found; bytes before an SOI are dropped.
          let i = 0;
          while (i + 1 < this.length && !(b[i] === 0xff && b[i + 1] === 0xd8)) i++;
          if (i + 1 >= this.length) {
            // Keep a trailing FF: it may be the first half of an SOI.
            const keep = this.length > 0 && b[this.length - 1] === 0xff ? 1 : 0;
            if (this.length - keep > 0) this.discard(this.length - keep);
            return;
          }
          if (i > 0) this.discard(i);
          this.pos = 2;
          this.state = 'marker';
          break;
        }
        case 'marker': {
          // Skip fill bytes (FF FF ...); need the marker code.
          while (this.pos + 1 < this.length && b[this.pos] === 0xff && b[this.pos + 1] === 0xff) this.pos++;
          if (this.pos + 1 >= this.length) return;
          if (b[this.pos] !== 0xff) {
            this.dropFrame();
            break;
          }
          if (this.marker(b[this.pos + 1]!, frames)) return;
          break;
        }
        case 'length': {
          if (this.pos + 1 >= this.length) return;
          const segmentLength = (b[this.pos]! << 8) | b[this.pos + 1]!;
          if (segmentLength < 2) {
            this.dropFrame();
            break;
          }
          this.skip = segmentLength - 2;
          this.pos += 2;
          this.state = 'segment';
          break;
        }
        case 'segment': {
          const step = Math.min(this.skip, this.length - this.pos);
          this.pos += step;
          this.skip -= step;
          if (this.skip > 0) return;
          this.state = this.segmentIsSos ? 'entropy' : 'marker';
          break;
        }
        case 'entropy': {
          let i = this.pos;
          for (;;) {
            i = b.indexOf(0xff, i);
            if (i < 0 || i >= this.length) {
              this.pos = this.length;
              return;
            }
            if (i + 1 >= this.length) {
              this.pos = i;
              return;
            }
            const next = b[i + 1]!;
            if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i += 2;
            else if (next === 0xff) i += 1;
            else break;
          }
          this.pos = i;
          this.state = 'marker';
          break;
        }
      }
    }
  }

  /**
   * Handles the marker FF `code` at `pos`. Returns true when parsing must wait for more bytes (never: the code is
   * here), false to continue; emits the frame on EOI.
   */
  private marker(code: number, frames: Buffer[]): boolean {
    if (code === 0xd9) {
      const end = this.pos + 2;
      frames.push(Buffer.from(this.buffer.subarray(0, end)));
      this.state = 'soi';
      this.discard(end);
      return false;
    }
    if (code === 0xd8) {
      // A new SOI before this frame's EOI: the frame was cut short.
      this.corruptFrames += 1;
      this.discard(this.pos);
      this.state = 'soi';
      return false;
    }
    this.pos += 2;
    if ((code >= 0xd0 && code <= 0xd7) || code === 0x01) return false;
    if (code === 0x00) {
      this.dropFrame();
      return false;
    }
    this.segmentIsSos = code === 0xda;
    this.state = 'length';
    return false;
  }
}

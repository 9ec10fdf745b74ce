/**
 * Raw interleaved PCM (what `arecord -t raw` writes) into float samples in -1..1. Pipe reads end anywhere, so the
 * bytes of an incomplete sample frame (all channels of one instant) wait for the next chunk.
 */
import type { AudioSourceConfig } from '../../config/types.js';

export type AudioFormat = AudioSourceConfig['format'];

export const bytesPerSample: Readonly<Record<AudioFormat, number>> = { S16_LE: 2, S32_LE: 4, FLOAT_LE: 4, U8: 1 };

/** Whole sample frames decoded from a chunk: `count` x channels values, channel-interleaved. */
export interface DecodedAudio {
  count: number;
  values: Float32Array;
}

export class PcmDecoder {
  private readonly format: AudioFormat;
  private readonly frameBytes: number;
  private pending: Buffer = Buffer.alloc(0);

  constructor(format: AudioFormat, channels: number) {
    this.format = format;
    this.frameBytes = bytesPerSample[format] * channels;
  }

  /** Bytes of an incomplete sample frame held for the next chunk. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  /** Drops a held partial frame (the producer restarted: its continuation will never come). */
  reset(): void {
    this.pending = Buffer.alloc(0);
  }

  push(chunk: Buffer): DecodedAudio {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const count = Math.floor(data.length / this.frameBytes);
    const used = count * this.frameBytes;
    // A copy: the chunk belongs to the stream and the remainder is tiny.
    this.pending = Buffer.from(data.subarray(used));
    return { count, values: decodePcm(this.format, data.subarray(0, used)) };
  }
}

/** Scales whole samples of `format` to -1..1: signed integers by 2^(bits-1), U8 around 128, floats as they are. */
export function decodePcm(format: AudioFormat, bytes: Buffer): Float32Array {
  const n = Math.floor(bytes.length / bytesPerSample[format]);
  const out = new Float32Array(n);
  switch (format) {
    case 'S16_LE':
      for (let i = 0; i < n; i += 1) out[i] = bytes.readInt16LE(i * 2) / 32768;
      break;
    case 'S32_LE':
      for (let i = 0; i < n; i += 1) out[i] = bytes.readInt32LE(i * 4) / 2147483648;
      break;
    case 'FLOAT_LE':
      // Infinity or NaN from a broken producer is a missing value, not a sample.
      for (let i = 0; i < n; i += 1) {
        const value = bytes.readFloatLE(i * 4);
        out[i] = Number.isFinite(value) ? value : Number.NaN;
      }
      break;
    case 'U8':
      for (let i = 0; i < n; i += 1) out[i] = (bytes[i]! - 128) / 128;
      break;
  }
  return out;
}

/** PCM decoding for the audio source (every format, partial samples across chunks) and arecord's arguments. */
import { describe, expect, it } from 'vitest';
import { arecordArgs, audioCommand } from '../../../src/sources/series/audio-args.js';
import { decodePcm, PcmDecoder } from '../../../src/sources/series/audio-decode.js';
import { audioConfig } from './audio-helpers.js';

describe('decodePcm', () => {
  it('S16_LE: signed 16-bit over 32768', () => {
    const bytes = Buffer.alloc(8);
    [-32768, -1, 16384, 32767].forEach((v, i) => bytes.writeInt16LE(v, i * 2));
    expect(Array.from(decodePcm('S16_LE', bytes))).toEqual([-1, -1 / 32768, 0.5, 32767 / 32768]);
  });

  it('S32_LE: signed 32-bit over 2^31', () => {
    const bytes = Buffer.alloc(12);
    [-2147483648, 1073741824, 65536].forEach((v, i) => bytes.writeInt32LE(v, i * 4));
    expect(Array.from(decodePcm('S32_LE', bytes))).toEqual([-1, 0.5, 65536 / 2147483648]);
  });

  it('FLOAT_LE: as written; non-finite values are missing (NaN)', () => {
    const bytes = Buffer.alloc(16);
    [0.25, -1, Number.POSITIVE_INFINITY, Number.NaN].forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    expect(Array.from(decodePcm('FLOAT_LE', bytes))).toEqual([0.25, -1, NaN, NaN]);
  });

  it('U8: unsigned around 128', () => {
    expect(Array.from(decodePcm('U8', Buffer.from([0, 64, 128, 255])))).toEqual([-1, -0.5, 0, 127 / 128]);
  });
});

describe('PcmDecoder', () => {
  it('keeps partial sample frames across chunks, channels interleaved', () => {
    // Stereo S16: frames (1000, -1000), (2000, -2000), (3000, -3000) = 12 bytes, cut at 1, 6 and 11.
    const all = Buffer.alloc(12);
    [1000, -1000, 2000, -2000, 3000, -3000].forEach((v, i) => all.writeInt16LE(v, i * 2));
    const decoder = new PcmDecoder('S16_LE', 2);
    const parts = [all.subarray(0, 1), all.subarray(1, 6), all.subarray(6, 11), all.subarray(11)];
    const out = parts.map((part) => decoder.push(part));
    expect(out.map((d) => d.count)).toEqual([0, 1, 1, 1]);
    expect(out.flatMap((d) => Array.from(d.values).map((v) => Math.round(v * 32768)))).toEqual([1000, -1000, 2000, -2000, 3000, -3000]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('holds at most one partial frame and drops it on reset', () => {
    const decoder = new PcmDecoder('S32_LE', 3);
    expect(decoder.push(Buffer.alloc(12 + 7)).count).toBe(1);
    expect(decoder.pendingBytes).toBe(7);
    decoder.reset();
    expect(decoder.pendingBytes).toBe(0);
    expect(decoder.push(Buffer.alloc(12)).count).toBe(1);
  });
});

describe('arecord arguments', () => {
  it('device, format, rate and channels as separate arguments, raw to stdout, quiet', () => {
    expect(arecordArgs({ device: 'plughw:1,0', format: 'S32_LE', rateHz: 48000, channels: 2 })).toEqual([
      '-D', 'plughw:1,0', '-f', 'S32_LE', '-r', '48000', '-c', '2', '-t', 'raw', '-q',
    ]);
  });

  it('a device name with spaces or a leading dash stays one argument (no shell)', () => {
    const args = arecordArgs({ device: '-x; rm -rf /', format: 'S16_LE', rateHz: 16000, channels: 1 });
    expect(args.slice(0, 2)).toEqual(['-D', '-x; rm -rf /']);
  });

  it('arecord by default, `command` when given', () => {
    expect(audioCommand(audioConfig())).toEqual({ program: 'arecord', args: arecordArgs(audioConfig()) });
    expect(audioCommand(audioConfig({ command: ['ffmpeg', '-i', 'a b.wav', '-'] }))).toEqual({ program: 'ffmpeg', args: ['-i', 'a b.wav', '-'] });
  });
});

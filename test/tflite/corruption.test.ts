// Damaged files (truncated, bytes flipped, regions zeroed) must either parse or throw
// TfliteFormatError naming the file — never a RangeError, TypeError or a hang.
import { describe, expect, it } from 'vitest';
import { readModel, TfliteFormatError } from '../../src/tflite/index.js';
import { int8ConvAvgPoolSoftmax } from '../helpers/models.js';
import { rng } from './reference/random.js';

const original = int8ConvAvgPoolSoftmax().bytes;
const random = rng(20240611);
const int = (n: number): number => Math.floor(random() * n);

interface Outcome { parsed: number; rejected: number }

function check(bytes: Uint8Array, what: string, outcome: Outcome): void {
  try {
    readModel(bytes, 'damaged.tflite');
    outcome.parsed++;
  } catch (err) {
    if (!(err instanceof TfliteFormatError)) {
      throw new Error(`${what}: expected TfliteFormatError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    expect(err.message.startsWith('damaged.tflite: ')).toBe(true);
    outcome.rejected++;
  }
}

describe('readModel on damaged files', () => {
  it('truncations: every length up to 256 bytes, and 150 random ones', () => {
    const outcome = { parsed: 0, rejected: 0 };
    for (let n = 0; n <= 256; n++) check(original.slice(0, n), `truncated to ${n}`, outcome);
    for (let i = 0; i < 150; i++) {
      const n = int(original.length);
      check(original.slice(0, n), `truncated to ${n}`, outcome);
    }
    expect(outcome.rejected).toBeGreaterThan(250);
  });

  it('300 single-byte flips, a third of them in the structure at the start and in the metadata/zip at the end', () => {
    const outcome = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 300; i++) {
      const bytes = original.slice();
      const region = i % 3;
      const at = region === 0 ? int(256) : region === 1 ? original.length - 1 - int(600) : int(original.length);
      bytes[at] = (bytes[at] ?? 0) ^ (1 + int(255));
      check(bytes, `byte ${at} flipped`, outcome);
    }
    expect(outcome.parsed).toBeGreaterThan(0);
    expect(outcome.rejected).toBeGreaterThan(0);
  });

  it('150 random 32-bit values written over aligned words (hits offsets and lengths)', () => {
    const outcome = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 150; i++) {
      const bytes = original.slice();
      const at = int(bytes.length >> 2) << 2;
      new DataView(bytes.buffer).setUint32(at, random() < 0.5 ? int(0x100000000) : int(bytes.length * 2), true);
      check(bytes, `word at ${at} replaced`, outcome);
    }
    expect(outcome.rejected).toBeGreaterThan(0);
  });

  it('100 zeroed regions of 1 to 64 bytes', () => {
    const outcome = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 100; i++) {
      const bytes = original.slice();
      const at = int(bytes.length);
      bytes.fill(0, at, at + 1 + int(64));
      check(bytes, `zeroed from ${at}`, outcome);
    }
    expect(outcome.parsed + outcome.rejected).toBe(100);
  });

  it('random garbage with a valid identifier', () => {
    const outcome = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 100; i++) {
      const bytes = Uint8Array.from({ length: 8 + int(512) }, () => int(256));
      bytes.set([0x54, 0x46, 0x4c, 0x33], 4); // "TFL3"
      check(bytes, `garbage ${i}`, outcome);
    }
    expect(outcome.rejected).toBeGreaterThan(90);
  });
});

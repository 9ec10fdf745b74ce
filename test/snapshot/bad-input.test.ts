/** A bad frame never throws: undefined from annotatedSnapshot, a reason from renderSnapshot. Bad options do. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImagePayload } from '../../src/core/frame.js';
import type { Result } from '../../src/core/result.js';
import { annotatedSnapshot, renderSnapshot } from '../../src/snapshot/annotate.js';
import { solidRgb } from './images.js';

const detect: Result = { kind: 'detect', objects: [{ index: 0, label: 'x', score: 0.5, box: { x: 1, y: 1, width: 5, height: 5 } }] };
const options = { maxBytes: 1_000_000 };

async function errorOf(payload: ImagePayload, result: Result = detect): Promise<string> {
  expect(await annotatedSnapshot(payload, result, options)).toBeUndefined();
  const outcome = await renderSnapshot(payload, result, options);
  if (!('error' in outcome)) throw new Error('expected an error');
  return outcome.error;
}

describe('snapshot of a bad frame', () => {
  it('reports bytes that are no image', async () => {
    expect(await errorOf({ kind: 'encoded', bytes: Buffer.from('not an image') })).toMatch(/^snapshot: cannot read the frame \(12 bytes\): .*unsupported image format/);
  });

  it('reports a truncated JPEG', async () => {
    const jpeg = await sharp(solidRgb(64, 64, [9, 99, 199]), { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
    expect(await errorOf({ kind: 'encoded', bytes: jpeg.subarray(0, jpeg.byteLength >> 1) })).toMatch(/^snapshot: cannot read the frame \(\d+ bytes\): .*premature end of JPEG image/);
  });

  it('reports a raw frame whose bytes do not match its size', async () => {
    expect(await errorOf({ kind: 'raw', format: 'i420', width: 64, height: 48, data: new Uint8Array(100) })).toBe(
      'snapshot: cannot read the frame: raw frame: i420 64x48 takes 4608 bytes but data has 100',
    );
  });

  it('reports a payload that is not an image', async () => {
    const series = { kind: 'series', channels: ['t'], steps: 1, values: new Float32Array(1), filled: 0 } as unknown as ImagePayload;
    expect(await errorOf(series)).toBe('snapshot: cannot read the frame: a series payload is not an image');
  });

  it('escapes labels from model files and survives NaN coordinates and control characters', async () => {
    const frame = { kind: 'raw', format: 'rgb24', width: 64, height: 48, data: solidRgb(64, 48, [0, 0, 0]) } as const;
    const nasty: Result = {
      kind: 'detect',
      objects: [
        { index: 0, label: '<&">\'</text><script>', score: 0.5, box: { x: 2, y: 2, width: 20, height: 20 } },
        { index: -3, label: 'tab\tbell\u0007', score: Number.NaN, box: { x: Number.NaN, y: 2, width: 20, height: 20 } },
      ],
    };
    expect(await annotatedSnapshot(frame, nasty, options)).toBeInstanceOf(Buffer);
    const segment: Result = { kind: 'segment', classes: [{ index: 1, label: ']]>&amp;<!--', score: 1, fraction: 0.4 }] };
    expect(await annotatedSnapshot(frame, segment, options)).toBeInstanceOf(Buffer);
  });

  it('reports a missing result instead of throwing', async () => {
    const frame = { kind: 'raw', format: 'gray8', width: 4, height: 4, data: new Uint8Array(16) } as const;
    expect(await errorOf(frame, null as unknown as Result)).toMatch(/^snapshot: cannot draw the undefined result on the 4x4 frame: /);
  });

  it('rejects invalid options, naming them', async () => {
    const frame = { kind: 'raw', format: 'gray8', width: 4, height: 4, data: new Uint8Array(16) } as const;
    await expect(annotatedSnapshot(frame, detect, { maxBytes: 0 })).rejects.toThrow('Expected a positive integer (bytes) for snapshot.maxBytes but received 0');
    await expect(annotatedSnapshot(frame, detect, { maxBytes: 10, maxWidth: 100 })).rejects.toThrow(
      'Expected an integer of at least 160 (pixels) for snapshot.maxWidth but received 100',
    );
  });
});

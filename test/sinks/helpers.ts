/** Shared helpers for sink tests: predictions to write and an in-memory stream with controllable backpressure. */
import { Writable } from 'node:stream';
import type { Prediction } from '../../src/core/frame.js';

/** A classify prediction for frame `id`; all fields fixed, so lines of the same id width have the same length. */
export function prediction(id: number, overrides: Partial<Prediction> = {}): Prediction {
  return {
    pipeline: 'door',
    frameId: id,
    source: 'door/images',
    capturedWallMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    latencyMs: { queue: 0.1234567, preprocess: 1.5, wait: 0, infer: 12.3456789, postprocess: 0.0004, total: 14.0 },
    model: { file: '/models/colours.tflite', sha256: 'ab'.repeat(32) },
    delegate: 'xnnpack',
    meta: { file: `/data/${id}.jpg` },
    result: { kind: 'classify', classes: [{ index: 2, label: 'blue', score: 0.987654321 }] },
    ...overrides,
  };
}

/**
 * A writable that records what it receives. `highWaterMark` bytes of buffer before write() returns false;
 * each chunk is confirmed after `delayMs` (0 = next macrotask).
 */
export class MemoryStream extends Writable {
  readonly chunks: string[] = [];

  constructor(options: { highWaterMark?: number; delayMs?: number } = {}) {
    const delayMs = options.delayMs ?? 0;
    super({
      highWaterMark: options.highWaterMark ?? 16 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(chunk.toString('utf8'));
        if (delayMs > 0) setTimeout(callback, delayMs);
        else setImmediate(callback);
      },
    });
  }

  lines(): string[] {
    return this.chunks.join('').split('\n').filter((line) => line !== '');
  }
}

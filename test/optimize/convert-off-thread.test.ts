// convertOffThread through runWorkerOnce: the converted model, the converter's refusal, and the worker stopped by an
// abort or the time limit, each with the message a pipeline reports. Needs dist/ (`npm test` builds it first).
import { describe, expect, it } from 'vitest';
import { convertOffThread } from '../../src/optimize/convert-off-thread.js';
import { OptimizeError } from '../../src/optimize/errors.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { readModel } from '../../src/tflite/index.js';
import { int8FullyConnected } from '../helpers/models.js';
import { uint8Network } from './uint8-models.js';

describe('convertOffThread', () => {
  it('gives the int8 model and its summary', async () => {
    const { bytes, summary } = await convertOffThread(uint8Network(), 'net.tflite');
    expect(readModel(bytes).subgraphs[0]!.tensors.some((t) => t.type === 'int8')).toBe(true);
    expect(summary).toBeDefined();
  });

  it('throws the converter\'s OptimizeError for a model it refuses', async () => {
    const error = await convertOffThread(int8FullyConnected({ inputSize: 4, outputSize: 2, seed: 1 }).bytes, 'int8.tflite').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptimizeError);
    expect((error as Error).message).toMatch(/^int8\.tflite: already int8 \(tensor \d+ ".*" is int8\); XNNPACK runs int8 models as they are, nothing to optimize$/);
  });

  it('stops the worker when the pipeline stops, and when the time limit passes', async () => {
    const cancelled = await convertOffThread(uint8Network(), 'net.tflite', { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(EdgepipeError);
    expect(cancelled).toMatchObject({ code: 'ERR_OPTIMIZE_WORKER', message: 'conversion cancelled: the pipeline is stopping' });
    await expect(convertOffThread(uint8Network(), 'net.tflite', { timeoutMs: 1 })).rejects.toThrow('conversion took more than 0 s; stopped');
  });
});

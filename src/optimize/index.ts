// edgepipe optimize: classic uint8 TFLite models rewritten as int8 so that XNNPACK runs them.
import { readModelGraph } from '../tflite/model-graph.js';
import { writeModelGraph } from '../tflite/graph-writer.js';
import { TfliteFormatError } from '../tflite/errors.js';
import { convertToInt8, type ConversionSummary, type ConvertOptions } from './convert.js';
import { OptimizeError } from './errors.js';

export { convertToInt8, type ConversionSummary, type ConvertOptions } from './convert.js';
export { evaluate, type Evaluation, type EvaluateOptions, type ModelRun } from './evaluate.js';
export { OptimizeError } from './errors.js';
export type { Agreement, ModelKind } from './agreement.js';

/**
 * Reads a .tflite file's bytes, rewrites its uint8 tensors as int8 and returns the new file (metadata and packed
 * label files carried over). Nothing is executed.
 * @throws OptimizeError (exit code 2) for malformed or unsupported models, naming the operator and tensor
 */
export function optimizeModelBytes(bytes: Uint8Array, name: string, options: ConvertOptions = {}): { bytes: Uint8Array; summary: ConversionSummary } {
  try {
    const { graph, summary } = convertToInt8(readModelGraph(bytes, name), name, options);
    return { bytes: writeModelGraph(graph), summary };
  } catch (error) {
    if (error instanceof TfliteFormatError) throw new OptimizeError(error.message, 'ERR_MODEL_FORMAT');
    throw error;
  }
}

/**
 * The worker thread of convertOffThread: rewrites the model bytes of workerData and posts back the new bytes
 * (transferred, not copied) and the summary, or the refusal's message. Only plain data crosses the boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
// Not ./index.js: that one also brings the evaluation (sharp, the TFLite addon), which a converter does not need.
import { readModelGraph } from '../tflite/model-graph.js';
import { writeModelGraph } from '../tflite/graph-writer.js';
import { TfliteFormatError } from '../tflite/errors.js';
import { convertToInt8 } from './convert.js';
import { OptimizeError } from './errors.js';
import type { ConvertRequest, ConvertResponse } from './convert-off-thread.js';

const request = workerData as ConvertRequest;
let response: ConvertResponse;
try {
  const { graph, summary } = convertToInt8(readModelGraph(request.bytes, request.name), request.name, { io: 'uint8' });
  response = { kind: 'converted', bytes: writeModelGraph(graph), summary };
} catch (error) {
  response = error instanceof OptimizeError || error instanceof TfliteFormatError
    ? { kind: 'refused', message: error.message }
    : { kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
parentPort?.postMessage(response, response.kind === 'converted' ? [response.bytes.buffer as ArrayBuffer] : []);

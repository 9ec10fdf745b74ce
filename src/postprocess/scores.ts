/**
 * Class scores as probabilities. A classifier converted from PyTorch usually ends in its last linear layer: its
 * outputs are logits (the NCHW MobileNetV2 in ../shared/models gives 10.8 for its top class), which subscribers
 * would read as a "score". `postprocess.scores` says how to turn outputs into scores in [0,1]:
 *
 * - `softmax`: exp(x_i - max) / sum_j exp(x_j - max) over the whole output (one class per input; sums to 1).
 * - `sigmoid`: 1 / (1 + exp(-x_i)) per element (independent labels, e.g. multi-label audio events).
 * - `raw`: the dequantised outputs as they are (the model outputs probabilities). Refused when the output's
 *   quantisation can hold values outside [0,1]: published scores are promised to be in [0,1].
 * - `auto` (the default), decided in this order:
 *   1. the op producing the output (through QUANTIZE, DEQUANTIZE, RESHAPE, SQUEEZE) is SOFTMAX or LOGISTIC: raw;
 *   2. the output is quantised (int8, uint8, int16) and every value it can hold, scale * (q - zero point) over
 *      the type's range, lies in [0,1]: raw (e.g. uint8 with scale 1/256, zero point 0);
 *   3. the output is quantised and can hold values outside [0,1]: softmax (quantised logits);
 *   4. otherwise (a float output from another op) per frame: softmax when any value is < 0 or > 1, else raw.
 */
import type { TfliteModelInfo } from '../tflite/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { describeOutput, mismatch } from './mismatch.js';

export type ScoreMode = 'auto' | 'softmax' | 'sigmoid' | 'raw';
export const SCORE_MODES: readonly ScoreMode[] = ['auto', 'softmax', 'sigmoid', 'raw'];

/** What the stage does to the dequantised outputs: a fixed transform, or softmax only for frames outside [0,1]. */
export type ScoreTransform = 'softmax' | 'sigmoid' | 'raw' | 'softmax-outside-0-1';

export interface ScoreDecision {
  transform: ScoreTransform;
  /** Why, for logs and `validate`: e.g. `output "Xq.1" int8 [1,1000] can hold -11.8..17.7: softmax`. */
  why: string;
}

/** Ops that only move or re-encode values: the op that made the scores is behind them. */
const PASS_THROUGH = new Set(['QUANTIZE', 'DEQUANTIZE', 'RESHAPE', 'SQUEEZE']);
const PROBABILITY_OPS = new Set(['SOFTMAX', 'LOGISTIC']);
const STORED_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
};

/**
 * For each output of subgraph 0, by tensor name, the op that computed its values, looking through the
 * pass-through ops (a TF2 classifier ends SOFTMAX -> QUANTIZE; YAMNet LOGISTIC -> DEQUANTIZE). Outputs that are
 * model inputs or constants are absent.
 */
export function outputProducers(info: TfliteModelInfo): ReadonlyMap<string, string> {
  const subgraph = info.subgraphs[0];
  const out = new Map<string, string>();
  if (subgraph === undefined) return out;
  const producerOf = new Map<number, (typeof subgraph.operators)[number]>();
  for (const op of subgraph.operators) for (const t of op.outputs) producerOf.set(t, op);
  for (const tensorIndex of subgraph.outputs) {
    let op = producerOf.get(tensorIndex);
    // Bounded by the op count: a malformed graph with a cycle must not hang the loader.
    for (let hops = 0; op !== undefined && PASS_THROUGH.has(op.name) && hops < subgraph.operators.length; hops += 1) {
      const input = op.inputs[0];
      const before = input === undefined || input < 0 ? undefined : producerOf.get(input);
      if (before === undefined) break;
      op = before;
    }
    const name = subgraph.tensors[tensorIndex]?.name;
    if (op !== undefined && name !== undefined) out.set(name, op.name);
  }
  return out;
}

/** The real values a quantised output can hold, or undefined for float (and other unquantised) outputs. */
function quantisedRange(info: TensorInfo): [number, number] | undefined {
  const stored = STORED_RANGE[info.dtype];
  const q = info.quantization;
  if (stored === undefined || q === null || !(q.scale > 0)) return undefined;
  return [q.scale * (stored[0] - q.zeroPoint), q.scale * (stored[1] - q.zeroPoint)];
}

const round = (v: number): string => String(Number(v.toPrecision(3)));

/**
 * How `mode` applies to `output`, whose values the op `producer` computes (see {@link outputProducers}; undefined
 * when unknown). Throws ERR_POSTPROCESS_MISMATCH for `raw` on an output that can hold values outside [0,1].
 */
export function decideScores(mode: ScoreMode, output: TensorInfo, producer: string | undefined, modelName: string): ScoreDecision {
  const range = quantisedRange(output);
  const inUnit = range !== undefined && range[0] >= -1e-6 && range[1] <= 1 + 1e-6;
  const rangeText = range === undefined ? '' : `${round(range[0])}..${round(range[1])}`;
  const what = `output ${describeOutput(output)}`;
  switch (mode) {
    case 'softmax':
    case 'sigmoid':
      return { transform: mode, why: `postprocess.scores: ${mode}` };
    case 'raw':
      if (range !== undefined && !inUnit && !(producer !== undefined && PROBABILITY_OPS.has(producer))) {
        throw mismatch(
          `postprocess.scores: raw publishes the outputs as scores in [0,1], but ${what} of ${modelName} can hold ${rangeText} ` +
            '(logits, not probabilities): use auto or softmax',
        );
      }
      return { transform: 'raw', why: 'postprocess.scores: raw' };
    case 'auto':
      if (producer !== undefined && PROBABILITY_OPS.has(producer)) return { transform: 'raw', why: `${what} comes from ${producer}: raw` };
      if (range !== undefined) {
        return inUnit
          ? { transform: 'raw', why: `${what} holds ${rangeText}: raw` }
          : { transform: 'softmax', why: `${what} can hold ${rangeText}: softmax` };
      }
      return { transform: 'softmax-outside-0-1', why: `${what}: softmax on frames with a value outside [0,1]` };
    default: {
      const value: unknown = mode;
      throw mismatch(`postprocess.scores: expected one of ${SCORE_MODES.join(', ')} but received ${JSON.stringify(value)}`);
    }
  }
}

/** Applies `transform` to `values` in place and returns them. */
export function applyScores(transform: ScoreTransform, values: Float64Array): Float64Array {
  switch (transform) {
    case 'raw':
      return values;
    case 'sigmoid':
      for (let i = 0; i < values.length; i += 1) values[i] = 1 / (1 + Math.exp(-values[i]!));
      return values;
    case 'softmax-outside-0-1':
      for (const v of values) if (v < 0 || v > 1) return softmax(values);
      return values;
    case 'softmax':
      return softmax(values);
  }
}

/** Softmax in place, shifted by the maximum so exp cannot overflow. */
function softmax(values: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  let sum = 0;
  for (let i = 0; i < values.length; i += 1) {
    const e = Math.exp(values[i]! - max);
    values[i] = e;
    sum += e;
  }
  for (let i = 0; i < values.length; i += 1) values[i] = values[i]! / sum;
  return values;
}

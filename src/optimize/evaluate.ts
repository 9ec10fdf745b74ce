// Runs the original and the optimised model side by side (same process, same threads, same inputs): XNNPACK nodes
// each one gets, invoke times, and the agreement of their outputs on calibration images.
import sharp from 'sharp';
import { createInterpreter } from '../runtime/delegate-chain.js';
import type { Interpreter } from '../runtime/interpreter.js';
import type { Model } from '../runtime/model.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { elapsedMs, summarise, type TimingSummary } from '../runtime/timing.js';
import { AgreementCounter, modelKind, outputValues, type Agreement, type ModelKind } from './agreement.js';

export interface EvaluateOptions {
  /** CPU threads for both models (TFLite kernels and XNNPACK), 1..64. */
  readonly threads: number;
  /** Timed invokes per model, alternating between the two. */
  readonly runs: number;
  /** Image files (PNG, JPEG...) resized to the input with fit 'fill'; empty: deterministic synthetic inputs. */
  readonly images: readonly string[];
  /** Detector boxes of the original below this score are not compared. Default 0.5. */
  readonly scoreThreshold?: number;
}

/** One model's run: what XNNPACK took and how long an invoke takes. */
export interface ModelRun {
  /** 'xnnpack', or 'cpu' when XNNPACK took no node (TFLite's own kernels run the model). */
  readonly delegate: string;
  readonly delegatedNodes: number;
  readonly partitions: number;
  readonly totalNodes: number;
  readonly invokeMs: TimingSummary;
}

export interface Evaluation {
  readonly kind: ModelKind;
  readonly before: ModelRun;
  readonly after: ModelRun;
  readonly agreement: Agreement;
  /** Where the inputs came from: `images` (count) or `synthetic` (count). */
  readonly inputs: { readonly source: 'images' | 'synthetic'; readonly count: number };
}

const SYNTHETIC_INPUTS = 8;

/** Compares `original` and `optimized` on XNNPACK (falling back to the CPU kernels when it takes nothing). */
export async function evaluate(original: Model, optimized: Model, options: EvaluateOptions): Promise<Evaluation> {
  const a = await createInterpreter(original, { delegates: ['xnnpack'], threads: options.threads, warmup: 0 });
  try {
    const b = await createInterpreter(optimized, { delegates: ['xnnpack'], threads: options.threads, warmup: 0 });
    try {
      const kind = modelKind(a.interpreter.outputs, original.info.customOps);
      const counter = new AgreementCounter(kind, options.scoreThreshold ?? 0.5);
      const imageInput = isImageInput(a.interpreter.inputs[0]);
      const useImages = imageInput && options.images.length > 0;
      const count = useImages ? options.images.length : SYNTHETIC_INPUTS;
      for (let i = 0; i < count; i += 1) {
        const first = useImages ? await imageTensor(options.images[i]!, a.interpreter.inputs[0]!) : undefined;
        fillInputs(a.interpreter, b.interpreter, first, i);
        await a.interpreter.invoke();
        await b.interpreter.invoke();
        counter.add(outputsOf(a.interpreter), outputsOf(b.interpreter));
      }
      const [timesA, timesB] = await time(a.interpreter, b.interpreter, options.runs);
      const run = (c: typeof a, times: number[]): ModelRun => ({
        delegate: c.delegate,
        delegatedNodes: c.usage.nodes,
        partitions: c.usage.partitions,
        totalNodes: c.usage.totalNodes,
        invokeMs: summarise(times),
      });
      return {
        kind,
        before: run(a, timesA),
        after: run(b, timesB),
        agreement: counter.result(),
        inputs: { source: useImages ? 'images' : 'synthetic', count },
      };
    } finally {
      b.interpreter.dispose();
    }
  } finally {
    a.interpreter.dispose();
  }
}

export function isImageInput(info: TensorInfo | undefined): boolean {
  return info !== undefined && info.shape.length === 4 && (info.shape[3] === 3 || info.shape[3] === 1) &&
    (info.dtype === 'uint8' || info.dtype === 'int8');
}

/** The image as the original model's first input takes it: resized to fill, RGB or grey, uint8 pixels. */
export async function imageTensor(file: string, info: TensorInfo): Promise<Uint8Array> {
  const [, height, width, channels] = info.shape as [number, number, number, number];
  let image = sharp(file).rotate().removeAlpha().resize(width, height, { fit: 'fill' });
  if (channels === 1) image = image.toColourspace('b-w');
  const data = await image.raw().toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Same real values into both models. Input 0 is the image (or pseudo-random bytes), other inputs hold real 0 (their
 * zero point). The optimised model's inputs are either uint8 like the original's or int8 with zero point - 128,
 * which is the same bytes with the top bit flipped.
 */
export function fillInputs(a: Interpreter, b: Interpreter, image: Uint8Array | undefined, seed: number): void {
  a.inputs.forEach((info, k) => {
    const bytes = new Uint8Array(info.bytes);
    if (k === 0 && image !== undefined) bytes.set(image.subarray(0, bytes.length));
    else if (k === 0) fillRandom(bytes, seed + 1);
    else if (info.quantization) bytes.fill(info.quantization.zeroPoint & 0xff);
    a.setInput(k, bytes);
    const other = b.inputs[k]!;
    const flip = info.dtype === 'uint8' && other.dtype === 'int8';
    b.setInput(k, flip ? bytes.map((v) => v ^ 0x80) : bytes);
  });
}

/** mulberry32: deterministic bytes, so two runs of the command compare the same synthetic inputs. */
function fillRandom(bytes: Uint8Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    bytes[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
}

export function outputsOf(interpreter: Interpreter): ReturnType<typeof outputValues>[] {
  return interpreter.outputs.map((info, k) => outputValues(info, interpreter.output(k)));
}

/** Warm-up, then alternating timed invokes, so both models see the same machine load. */
async function time(a: Interpreter, b: Interpreter, runs: number): Promise<[number[], number[]]> {
  for (let i = 0; i < 3; i += 1) {
    await a.invoke();
    await b.invoke();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    let start = process.hrtime.bigint();
    await a.invoke();
    ta.push(elapsedMs(start));
    start = process.hrtime.bigint();
    await b.invoke();
    tb.push(elapsedMs(start));
  }
  return [ta, tb];
}

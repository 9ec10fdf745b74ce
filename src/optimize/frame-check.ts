// The check behind `model.optimize: auto`: the original and the converted model on the pipeline's own delegate
// chain, side by side on the same inputs (the pipeline's preprocessed frames, else calibration images): which
// delegate each lands on and how many nodes it takes, and the agreement of their outputs (agreement.ts).
import { createInterpreter, type ChainResult } from '../runtime/delegate-chain.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import type { Model } from '../runtime/model.js';
import { AgreementCounter, modelKind, type Agreement, type ModelKind } from './agreement.js';
import { fillInputs, imageTensor, isImageInput, outputsOf } from './evaluate.js';
import { elapsedMs, summarise } from '../runtime/timing.js';

export interface FrameCheckOptions {
  /** The pipeline's delegate chain ('cpu' last). */
  readonly delegates: readonly string[];
  readonly threads: number;
  readonly descriptors?: ReadonlyMap<string, DelegateDescriptor>;
  /** Detector boxes of the original below this score are not compared. Default 0.5. */
  readonly scoreThreshold?: number;
}

/** Where a model landed on the chain. */
export interface ChainUsage {
  readonly delegate: string;
  /** Position of `delegate` in the chain (cpu: the last). */
  readonly rank: number;
  readonly nodes: number;
  readonly totalNodes: number;
}

export class FrameCheck {
  readonly kind: ModelKind;
  readonly before: ChainUsage;
  readonly after: ChainUsage;
  private readonly counter: AgreementCounter;
  /** Inputs compared so far. */
  inputs = 0;

  private constructor(private readonly a: ChainResult, private readonly b: ChainResult, delegates: readonly string[], original: Model, scoreThreshold: number) {
    this.kind = modelKind(a.interpreter.outputs, original.info.customOps);
    this.counter = new AgreementCounter(this.kind, scoreThreshold);
    const usage = (c: ChainResult): ChainUsage => ({
      delegate: c.delegate,
      rank: delegates.indexOf(c.delegate) < 0 ? delegates.length : delegates.indexOf(c.delegate),
      nodes: c.usage.nodes,
      totalNodes: c.usage.totalNodes,
    });
    this.before = usage(a);
    this.after = usage(b);
  }

  /** One interpreter of each model on the chain (no warm-up: the invokes of the check warm them). */
  static async create(original: Model, optimized: Model, options: FrameCheckOptions): Promise<FrameCheck> {
    const chain = { delegates: options.delegates, threads: options.threads, warmup: 0, ...(options.descriptors ? { descriptors: options.descriptors } : {}) };
    const a = await createInterpreter(original, chain);
    try {
      const b = await createInterpreter(optimized, chain);
      return new FrameCheck(a, b, options.delegates, original, options.scoreThreshold ?? 0.5);
    } catch (error) {
      a.interpreter.dispose();
      throw error;
    }
  }

  /** Whether the converted model lands higher on the chain, or on the same delegate with more nodes taken. */
  get delegatesMore(): boolean {
    return this.after.rank < this.before.rank || (this.after.rank === this.before.rank && this.after.nodes > this.before.nodes);
  }

  /** The bytes of the original's first input (a preprocessed frame), into both models; compares their outputs. */
  async add(frame: Uint8Array | undefined, seed = this.inputs): Promise<void> {
    fillInputs(this.a.interpreter, this.b.interpreter, frame, seed);
    await this.a.interpreter.invoke();
    await this.b.interpreter.invoke();
    this.counter.add(outputsOf(this.a.interpreter), outputsOf(this.b.interpreter));
    this.inputs += 1;
  }

  /** The images resized to the input (fit fill), when the first input is an image; else `count` synthetic inputs. */
  async addCalibration(images: readonly string[], count: number): Promise<'images' | 'synthetic'> {
    const input = this.a.interpreter.inputs[0];
    if (input && isImageInput(input) && images.length > 0) {
      for (const file of images) await this.add(await imageTensor(file, input));
      return 'images';
    }
    for (let i = 0; i < count; i += 1) await this.add(undefined, 1000 + i);
    return 'synthetic';
  }

  /** Invoke p50 of each model over `runs` alternating invokes (on the last inputs), ms. */
  async time(runs: number): Promise<{ before: number; after: number }> {
    const ta: number[] = [];
    const tb: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      let start = process.hrtime.bigint();
      await this.a.interpreter.invoke();
      ta.push(elapsedMs(start));
      start = process.hrtime.bigint();
      await this.b.interpreter.invoke();
      tb.push(elapsedMs(start));
    }
    return { before: summarise(ta).p50, after: summarise(tb).p50 };
  }

  result(): Agreement {
    return this.counter.result();
  }

  dispose(): void {
    this.a.interpreter.dispose();
    this.b.interpreter.dispose();
  }
}

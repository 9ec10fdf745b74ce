import { EdgepipeError, describeValue, summariseTfliteLog } from './errors.js';
import { isSupportedDtype, typedView, type TensorArray } from './dtypes.js';
import type { Model } from './model.js';
import { isNativeError, nativeAddon, type NativeDelegateSpec, type NativeInterpreter } from './native.js';
import { describeTensor, type TensorInfo } from './tensor.js';

/** What a delegate really took over in this interpreter; all zero on the plain CPU kernels. */
export interface DelegateUsage {
  nodes: number;
  partitions: number;
  totalNodes: number;
}

export interface InterpreterCreateOptions {
  /** CPU threads for TFLite's kernels (and XNNPACK's pool), 1..64. */
  threads: number;
  /** Refuse models whose inputs or outputs would need more bytes than this (checked before allocation). */
  maxTensorBytes?: number;
  delegate?: NativeDelegateSpec;
}

/** Default tensor size cap: 512 MiB. Real edge models stay far below; a corrupted dimension does not. */
export const DEFAULT_MAX_TENSOR_BYTES = 512 * 1024 * 1024;

/** Failure of one interpreter creation: `stage` tells the delegate chain whom to blame. */
export class InterpreterCreateError extends EdgepipeError {
  readonly stage: 'delegate-create' | 'delegate-prepare' | 'interpreter' | 'tensor-size' | 'allocate';
  constructor(model: string, stage: InterpreterCreateError['stage'], nativeCode: string, detail: string) {
    super(nativeCode, `${model}: ${stageText[stage]}: ${detail}`);
    this.stage = stage;
  }
}

const stageText: Record<InterpreterCreateError['stage'], string> = {
  'delegate-create': 'delegate creation failed',
  'delegate-prepare': 'interpreter creation with the delegate failed',
  interpreter: 'interpreter creation failed',
  'tensor-size': 'tensor size check failed',
  allocate: 'tensor allocation failed',
};

const stageByCode: Record<string, InterpreterCreateError['stage']> = {
  ERR_DELEGATE_CREATE: 'delegate-create',
  ERR_DELEGATE_PREPARE: 'delegate-prepare',
  ERR_INTERPRETER_CREATE: 'interpreter',
  ERR_TENSOR_TOO_LARGE: 'tensor-size',
  ERR_ALLOCATE: 'allocate',
};

/**
 * One TFLite interpreter. `invoke()` runs on a worker thread; one invoke at a time (a second concurrent call is
 * refused with ERR_BUSY rather than queued, so callers choose their own backpressure policy).
 * Tensor views returned by input()/output() alias TFLite's memory: write inputs before invoke(), read outputs
 * after it resolves; do not touch them while an invoke runs.
 */
export class Interpreter {
  readonly model: Model;
  readonly threads: number;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Name of the delegate in use ('cpu' for the plain kernels); set by the delegate chain. */
  delegateName = 'cpu';
  private native: NativeInterpreter | undefined;
  private readonly inputViews: Array<TensorArray | undefined>;
  private readonly outputViews: Array<TensorArray | undefined>;

  private constructor(model: Model, native: NativeInterpreter, threads: number) {
    this.model = model;
    this.native = native;
    this.threads = threads;
    this.inputs = Object.freeze(native.inputs());
    this.outputs = Object.freeze(native.outputs());
    this.inputViews = new Array<TensorArray | undefined>(this.inputs.length);
    this.outputViews = new Array<TensorArray | undefined>(this.outputs.length);
  }

  /** Builds one interpreter with at most one delegate. Most callers want createInterpreter() (the chain). */
  static async create(model: Model, options: InterpreterCreateOptions): Promise<Interpreter> {
    if (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > 64) {
      throw new EdgepipeError(
        'ERR_INVALID_OPTION',
        `Expected an integer between 1 and 64 for threads but received ${describeValue(options.threads)}`,
        { exitCode: 2 },
      );
    }
    const nativeOptions = {
      threads: options.threads,
      maxTensorBytes: options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES,
      ...(options.delegate ? { delegate: options.delegate } : {}),
    };
    try {
      const native = await nativeAddon().createInterpreter(model.native, nativeOptions);
      return new Interpreter(model, native, options.threads);
    } catch (error) {
      if (isNativeError(error) && stageByCode[error.code]) {
        const detail = summariseTfliteLog(error.message) || error.code;
        throw new InterpreterCreateError(model.name, stageByCode[error.code]!, error.code, detail);
      }
      throw error;
    }
  }

  /** What the delegate took over; zeros on the CPU kernels. */
  delegateUsage(): DelegateUsage {
    return this.live().delegateUsage() ?? { nodes: 0, partitions: 0, totalNodes: 0 };
  }

  /** Zero-copy typed array over an input tensor (by index or name). */
  input(which: number | string): TensorArray {
    const info = this.find(this.inputs, which, 'input');
    return this.view(this.inputViews, info, () => this.live().inputBuffer(info.index));
  }

  /** Zero-copy typed array over an output tensor; valid until the next invoke. */
  output(which: number | string): TensorArray {
    const info = this.find(this.outputs, which, 'output');
    return this.view(this.outputViews, info, () => this.live().outputBuffer(info.index));
  }

  /** Copies `data` into an input tensor; its byte length must equal the tensor's exactly. */
  setInput(which: number | string, data: ArrayBufferView): void {
    const info = this.find(this.inputs, which, 'input');
    if (!ArrayBuffer.isView(data) || data.byteLength !== info.bytes) {
      throw new EdgepipeError(
        'ERR_INPUT_SIZE',
        `${this.model.name}: input ${info.index} "${info.name}" (${describeTensor(info)}) takes ${info.bytes} bytes ` +
          `but received ${describeValue(data)}`,
        { exitCode: 2 },
      );
    }
    const target = this.input(info.index);
    new Uint8Array(target.buffer, target.byteOffset, target.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  /** Runs the model on a worker thread. Rejects with TFLite's own error text, pointing at the caller's stack. */
  async invoke(): Promise<void> {
    const native = this.live();
    const callSite = new Error();
    try {
      await native.invoke();
    } catch (error) {
      if (!isNativeError(error)) throw error;
      const failure = new EdgepipeError(
        error.code === 'ERR_BUSY' ? 'ERR_BUSY' : 'ERR_INVOKE',
        `${this.model.name}: invoke failed on ${this.delegateName}: ${summariseTfliteLog(error.message)}`,
        { cause: error },
      );
      failure.stack = `${failure.name}: ${failure.message}\n${callSite.stack?.split('\n').slice(1).join('\n') ?? ''}`;
      throw failure;
    }
  }

  get disposed(): boolean {
    return this.native === undefined;
  }

  /** Frees the interpreter and its delegate (after a running invoke ends). Views become empty. Idempotent. */
  dispose(): void {
    this.native?.dispose();
    this.native = undefined;
  }

  private live(): NativeInterpreter {
    if (!this.native) {
      throw new EdgepipeError('ERR_DISPOSED', `${this.model.name}: the interpreter has been disposed`);
    }
    return this.native;
  }

  private find(list: readonly TensorInfo[], which: number | string, role: string): TensorInfo {
    const info = typeof which === 'number' ? list[which] : list.find((t) => t.name === which);
    if (!info) {
      const names = list.map((t, i) => `${i} "${t.name}"`).join(', ');
      throw new EdgepipeError(
        'ERR_NO_SUCH_TENSOR',
        `${this.model.name}: no ${role} ${typeof which === 'number' ? which : `"${which}"`}; the model has ${names || 'none'}`,
        { exitCode: 2 },
      );
    }
    return info;
  }

  private view(cache: Array<TensorArray | undefined>, info: TensorInfo, buffer: () => ArrayBuffer): TensorArray {
    const cached = cache[info.index];
    // A detached buffer (tensor moved or interpreter disposed) reads as length 0: fetch a fresh one.
    if (cached && cached.buffer.byteLength > 0) return cached;
    if (!isSupportedDtype(info.dtype)) {
      throw new EdgepipeError('ERR_DTYPE', `${this.model.name}: tensor "${info.name}" has dtype ${info.dtype}, which edgepipe cannot map to an array`);
    }
    const view = typedView(info.dtype, buffer());
    cache[info.index] = view;
    return view;
  }
}

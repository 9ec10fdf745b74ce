/**
 * The delegate chain: try each accelerator in order, rebuild without it when it is missing, fails to create,
 * fails to prepare or takes no node, and end on the plain CPU kernels. The result says which one runs, what it
 * took over and why each earlier one was refused.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { EdgepipeError } from './errors.js';
import {
  loadDelegateDescriptors,
  locateDelegateLibrary,
  type DelegateDescriptor,
  type OptionValue,
} from './delegates.js';
import { Interpreter, InterpreterCreateError, type DelegateUsage } from './interpreter.js';
import type { Model } from './model.js';
import type { NativeDelegateSpec } from './native.js';
import { elapsedMs, summarise } from './timing.js';

/** A chain entry: a descriptor name, optionally with its own library path and options. 'cpu' ends a chain. */
export type DelegateRequest = string | { name: string; library?: string; options?: Record<string, OptionValue> };

export interface ChainOptions {
  /** Delegates in order of preference; 'cpu' is implied at the end. Default ['xnnpack']. */
  delegates?: readonly DelegateRequest[];
  /** CPU threads, 1..64, or 'auto' to time 1..min(cores, 4) threads at load and keep the fastest. Default 1. */
  threads?: number | 'auto';
  descriptors?: ReadonlyMap<string, DelegateDescriptor>;
  /** Directory for delegates' compiled-graph caches (e.g. the service's state directory). */
  cacheDir?: string;
  /** Invokes at load, so the first real frame does not pay weight packing. Default 1. */
  warmup?: number;
  maxTensorBytes?: number;
}

export interface DelegateRefusal {
  delegate: string;
  stage: 'library' | 'create' | 'prepare' | 'no-nodes' | 'allocate';
  reason: string;
}

export interface ThreadTiming {
  threads: number;
  p50Ms: number;
}

export interface ChainResult {
  interpreter: Interpreter;
  /** The delegate that runs the model, or 'cpu'. */
  delegate: string;
  usage: DelegateUsage;
  refused: DelegateRefusal[];
  threads: number;
  /** Timings behind threads: 'auto'. */
  calibration?: ThreadTiming[];
}

export const CPU = 'cpu';

/** Custom ops that TFLite 2.9's builtin resolver registers itself (register.cc AddCustom calls). */
export const TFLITE_BUILTIN_CUSTOM_OPS: readonly string[] = ['TFLite_Detection_PostProcess', 'Mfcc', 'AudioSpectrogram'];

/**
 * Custom ops in the model that neither TFLite nor a delegate of the chain provides, with the delegates that
 * would. Checked before the model reaches TFLite, so the error names the op instead of a failed allocation.
 */
export function unresolvedCustomOps(
  customOps: readonly string[],
  chainNames: readonly string[],
  descriptors: ReadonlyMap<string, DelegateDescriptor>,
): Array<{ op: string; providers: string[] }> {
  const out: Array<{ op: string; providers: string[] }> = [];
  for (const op of customOps) {
    if (TFLITE_BUILTIN_CUSTOM_OPS.includes(op)) continue;
    const providers = [...descriptors.values()].filter((d) => d.customOp === op).map((d) => d.name);
    if (!providers.some((p) => chainNames.includes(p))) out.push({ op, providers });
  }
  return out;
}

function customOpError(model: Model, missing: Array<{ op: string; providers: string[] }>, chain: string): EdgepipeError {
  const parts = missing.map(({ op, providers }) =>
    providers.length > 0
      ? `custom op "${op}" needs the ${providers.join(' or ')} delegate, which ${chain.includes(providers[0]!) ? 'could not be used' : `is not in the chain (${chain})`}`
      : `custom op "${op}" is provided neither by TensorFlow Lite nor by any delegate in delegates/`,
  );
  return new EdgepipeError('ERR_CUSTOM_OP', `${model.name}: ${parts.join('; ')}`, { exitCode: 2 });
}

function requestName(request: DelegateRequest): string {
  return typeof request === 'string' ? request : request.name;
}

function optionPairs(options: Record<string, OptionValue>): Array<[string, string]> {
  return Object.entries(options).map(([k, v]) => [k, String(v)]);
}

/** The native spec for one chain entry, or the reason it cannot be tried here. */
function specFor(
  request: DelegateRequest,
  descriptor: DelegateDescriptor,
  model: Model,
  threads: number,
  cacheDir: string | undefined,
): NativeDelegateSpec | DelegateRefusal {
  const overrides = typeof request === 'string' ? {} : (request.options ?? {});
  const options = { ...descriptor.options, ...overrides };
  if (descriptor.abi === 'xnnpack') {
    const flags = (options['int8'] === false ? 0 : 1) | (options['uint8'] === true ? 2 : 0);
    return { kind: 'xnnpack', name: descriptor.name, threads, flags };
  }
  const explicit = typeof request === 'string' ? undefined : request.library;
  const located = explicit ? { path: path.resolve(explicit) } : locateDelegateLibrary(descriptor);
  if ('missing' in located) return { delegate: descriptor.name, stage: 'library', reason: located.missing };
  if (descriptor.cache && cacheDir) {
    const token = createHash('sha256').update(model.bytes).digest('hex').slice(0, 16);
    Object.assign(options, descriptor.cache.extraOptions);
    options[descriptor.cache.option] = descriptor.cache.file
      ? path.join(cacheDir, `${descriptor.name}-${token}.bin`)
      : cacheDir;
    if (descriptor.cache.tokenOption) options[descriptor.cache.tokenOption] = token;
  }
  const kind = descriptor.abi === 'gpu-v2' ? 'gpu-v2' : 'plugin';
  return { kind, name: descriptor.name, library: located.path, options: optionPairs(options) } as NativeDelegateSpec;
}

const refusalStage: Record<InterpreterCreateError['stage'], DelegateRefusal['stage']> = {
  'delegate-create': 'create',
  'delegate-prepare': 'prepare',
  interpreter: 'prepare',
  'tensor-size': 'prepare',
  allocate: 'allocate',
};

/** Checks every name against the descriptors before anything is loaded (a typo is a user error, exit 2). */
export function validateChain(
  delegates: readonly DelegateRequest[],
  descriptors: ReadonlyMap<string, DelegateDescriptor>,
): void {
  for (const request of delegates) {
    const name = requestName(request);
    if (name !== CPU && !descriptors.has(name)) {
      throw new EdgepipeError(
        'ERR_UNKNOWN_DELEGATE',
        `Expected a delegate named in delegates/ (${[...descriptors.keys(), CPU].join(', ')}) but received "${name}"`,
        { exitCode: 2 },
      );
    }
  }
}

async function warmUp(interpreter: Interpreter, runs: number): Promise<void> {
  for (let i = 0; i < runs; i += 1) await interpreter.invoke();
}

async function medianInvokeMs(interpreter: Interpreter, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    await interpreter.invoke();
    times.push(elapsedMs(start));
  }
  return summarise(times).p50;
}

/**
 * Builds an interpreter on the first delegate of the chain that works, else on the CPU kernels.
 * Model-level failures (bad file, unresolved custom op) are thrown only when the CPU kernels fail too.
 */
export async function createInterpreter(model: Model, options: ChainOptions = {}): Promise<ChainResult> {
  const descriptors = options.descriptors ?? loadDelegateDescriptors();
  const chain = options.delegates ?? ['xnnpack'];
  validateChain(chain, descriptors);
  const requestedThreads = options.threads ?? 1;
  const startThreads = requestedThreads === 'auto' ? 1 : requestedThreads;
  const chainNames = chain.map(requestName);
  const chainText = [...chainNames.filter((n) => n !== CPU), CPU].join(', ');
  const missingOps = unresolvedCustomOps(model.info.customOps, chainNames, descriptors);
  if (missingOps.length > 0) throw customOpError(model, missingOps, chainText);
  const refused: DelegateRefusal[] = [];
  const base = { threads: startThreads, ...(options.maxTensorBytes ? { maxTensorBytes: options.maxTensorBytes } : {}) };

  let chosen: { interpreter: Interpreter; request: DelegateRequest | undefined; spec: NativeDelegateSpec | undefined } | undefined;
  for (const request of chain) {
    const name = requestName(request);
    if (name === CPU) break;
    const spec = specFor(request, descriptors.get(name)!, model, startThreads, options.cacheDir);
    if (!('kind' in spec)) {
      refused.push(spec);
      continue;
    }
    try {
      const interpreter = await Interpreter.create(model, { ...base, delegate: spec });
      const usage = interpreter.delegateUsage();
      if (usage.nodes === 0) {
        interpreter.dispose();
        refused.push({ delegate: name, stage: 'no-nodes', reason: `took 0 of ${usage.totalNodes} nodes` });
        continue;
      }
      chosen = { interpreter, request, spec };
      break;
    } catch (error) {
      if (!(error instanceof InterpreterCreateError)) throw error;
      refused.push({ delegate: name, stage: refusalStage[error.stage], reason: error.message });
    }
  }
  if (!chosen) {
    // A delegate that provides a custom op (edgetpu-custom-op) was refused: the CPU cannot run the model either.
    const stillMissing = unresolvedCustomOps(model.info.customOps, [], descriptors);
    if (stillMissing.length > 0) throw customOpError(model, stillMissing, chainText);
    chosen = { interpreter: await Interpreter.create(model, base), request: undefined, spec: undefined };
  }

  const delegate = chosen.request === undefined ? CPU : requestName(chosen.request);
  chosen.interpreter.delegateName = delegate;
  const result: ChainResult = {
    interpreter: chosen.interpreter,
    delegate,
    usage: delegate === CPU ? cpuUsage(model) : chosen.interpreter.delegateUsage(),
    refused,
    threads: startThreads,
  };
  if (requestedThreads === 'auto') await calibrateThreads(model, result, chosen.spec, base);
  await warmUp(result.interpreter, options.warmup ?? 1);
  return result;
}

function cpuUsage(model: Model): DelegateUsage {
  return { nodes: 0, partitions: 0, totalNodes: model.info.subgraphs[0]?.operators.length ?? 0 };
}

/** Times the chosen delegate with 1..min(cores, 4) threads and keeps the fastest interpreter. */
async function calibrateThreads(
  model: Model,
  result: ChainResult,
  spec: NativeDelegateSpec | undefined,
  base: { threads: number; maxTensorBytes?: number },
): Promise<void> {
  const maxThreads = Math.min(availableParallelism(), 4);
  const calibration: ThreadTiming[] = [];
  await warmUp(result.interpreter, 2);
  calibration.push({ threads: 1, p50Ms: await medianInvokeMs(result.interpreter, 7) });
  for (let threads = 2; threads <= maxThreads; threads += 1) {
    const withThreads =
      spec?.kind === 'xnnpack' ? { ...spec, threads } : spec;
    const candidate = await Interpreter.create(model, { ...base, threads, ...(withThreads ? { delegate: withThreads } : {}) });
    candidate.delegateName = result.delegate;
    await warmUp(candidate, 2);
    const p50Ms = await medianInvokeMs(candidate, 7);
    calibration.push({ threads, p50Ms });
    const best = Math.min(...calibration.slice(0, -1).map((c) => c.p50Ms));
    if (p50Ms < best) {
      result.interpreter.dispose();
      result.interpreter = candidate;
      result.threads = threads;
    } else {
      candidate.dispose();
    }
  }
  result.calibration = calibration;
}

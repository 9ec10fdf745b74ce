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
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
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
  if (!chosen) chosen = { interpreter: await Interpreter.create(model, base), request: undefined, spec: undefined };

  const delegate = chosen.request === undefined ? CPU : requestName(chosen.request);
  chosen.interpreter.delegateName = delegate;
  const result: ChainResult = {
    interpreter: chosen.interpreter,
    delegate,
    usage: chosen.interpreter.delegateUsage(),
    refused,
    threads: startThreads,
  };
  if (requestedThreads === 'auto') await calibrateThreads(model, result, chosen.spec, base);
  await warmUp(result.interpreter, options.warmup ?? 1);
  return result;
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

/**
 * Model probing: load and invoke each model file once in a short-lived child process before the service loads it.
 * TFLite 2.9 verifies the flatbuffer, yet some corrupted files that pass the verifier crash the whole process
 * (docs/FACTS.md, "TFLite 2.9 C library"). A service must never die for a bad model file, so only a file that
 * passed the probe is loaded in-process. Verdicts are cached by content hash.
 *
 * The child is `dist/runtime/probe-child.js`. From the compiled package that is this file's sibling; under vitest
 * (this file is .ts, which Node 20 cannot run) it is found from the project root, so `npm test` runs
 * `tsc -p tsconfig.build.json` first: rebuild dist/ after changing probe-child.ts or what it imports.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EdgepipeError, invalidOption, summariseTfliteLog } from './errors.js';
import { resolveLibraryPath } from './library.js';
import { packageRoot } from './paths.js';
import { Model, readModelFile, rememberModelRefusal } from './model.js';
import type { TensorInfo } from './tensor.js';

export type ProbeFailureKind = 'rejected' | 'crashed' | 'timeout' | 'memory';

export type ProbeVerdict =
  | {
      ok: true;
      /** Hex SHA-256 of the model bytes. */
      sha256: string;
      library: { path: string; version: string };
      inputs: TensorInfo[];
      outputs: TensorInfo[];
      /** Duration of the one invoke on zeroed inputs, in the child, milliseconds. */
      invokeMs: number;
      /** True when the verdict came from the cache (no child was started). */
      cached: boolean;
    }
  | {
      ok: false;
      sha256: string;
      /** Why, without the model name (callers prefix it). TFLite's own text where there is one. */
      reason: string;
      kind: ProbeFailureKind;
      cached: boolean;
    };

export interface ProbeOptions {
  /** Names the model in errors (usually the file path). */
  name: string;
  /** TFLite library path; default as resolveLibraryPath() (EDGEPIPE_TFLITE_LIBRARY, then tfjs-tflite-node). */
  library?: string;
  /** Where verdicts are kept. Default `$XDG_CACHE_HOME/edgepipe/probe`, else `~/.cache/edgepipe/probe`. */
  cacheDir?: string;
  /** The child is killed (SIGKILL) after this many milliseconds: verdict 'timeout'. 1..600000, default 20000. */
  timeoutMs?: number;
  /** RLIMIT_DATA of the child in bytes (see probeMemoryCap()). >= 128 MiB, default 1 GiB. */
  memoryLimitBytes?: number;
  /** Inputs and outputs needing more bytes are refused before allocation. >= 1, default 128 MiB. */
  maxTensorBytes?: number;
}

/** The steps of the child (probe-child.ts), announced on stdout before each one. */
export type ChildStage = 'model' | 'interpreter' | 'inputs' | 'invoke' | 'dispose';

/** The child's last stdout line (probe-child.ts). */
export type ChildReport =
  | { ok: true; library: { path: string; version: string }; inputs: TensorInfo[]; outputs: TensorInfo[]; invokeMs: number }
  /** `lost`: a native step ended without resolving or rejecting its promise (see probe-child.ts). */
  | { ok: false; reason: string; stage: ChildStage; lost?: boolean }
  | { error: { code: string; message: string } };

/** Exit code of a child that could not probe at all (addon or library missing): not the model's fault. */
export const CHILD_ENVIRONMENT_EXIT = 3;

export const DEFAULT_PROBE_TIMEOUT_MS = 20_000;
export const DEFAULT_PROBE_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024;
/**
 * 128 MiB: far above real edge models' inputs and outputs, and below 2^28 bytes, so even an int8 dimension
 * corrupted to 2^28 is refused by the size check instead of being allocated.
 */
export const DEFAULT_PROBE_MAX_TENSOR_BYTES = 128 * 1024 * 1024;
/** Measured: Node 20 with the addon and TFLite aborts at startup under RLIMIT_DATA = 64 MiB, runs at 128 MiB. */
const MIN_MEMORY_LIMIT_BYTES = 128 * 1024 * 1024;
const CACHE_FORMAT = 1;
const STDOUT_LIMIT = 1024 * 1024;
const STDERR_TAIL = 8 * 1024;

const stageText: Record<ChildStage, string> = {
  model: 'while verifying the model',
  interpreter: 'while creating the interpreter (AllocateTensors)',
  inputs: 'while filling the inputs',
  invoke: 'while invoking the model',
  dispose: 'while freeing the interpreter (heap corruption from the invoke)',
};

const signalText: Partial<Record<NodeJS.Signals, string>> = {
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'abort',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'arithmetic exception',
  SIGTRAP: 'trap',
  SIGKILL: 'killed',
};

/**
 * How the child's memory is bounded. RLIMIT_DATA (via util-linux `prlimit --data`) counts brk and private writable
 * mappings, i.e. malloc, where TFLite's arena lives, while V8's large PROT_NONE reservations do not count.
 * RLIMIT_AS was measured unusable: Node fails to start under 1 GiB ("Failed to reserve virtual memory for
 * CodeRange") and at 1 GiB a MobileNet probe cannot start its threads. `--max-old-space-size` bounds only the JS
 * heap. Without prlimit the child runs unbounded ('none'): a huge allocation then ends as 'crashed' or 'timeout'.
 */
export function probeMemoryCap(): MemoryCap {
  memoryCap ??= findPrlimit();
  return memoryCap;
}

export interface MemoryCap {
  mechanism: 'prlimit-data' | 'none';
  /** The prlimit executable found on PATH (or /usr/bin, /bin). */
  prlimit?: string;
}

let memoryCap: MemoryCap | undefined;

function findPrlimit(): MemoryCap {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'prlimit');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return { mechanism: 'prlimit-data', prlimit: candidate };
    } catch {
      // not here
    }
  }
  return { mechanism: 'none' };
}

/** The compiled child script (see the header comment), or an error saying how to build it. */
export function probeChildPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) {
    const sibling = path.join(path.dirname(here), 'probe-child.js');
    if (existsSync(sibling)) return sibling;
  }
  const dir = packageRoot();
  const built = path.join(dir, 'dist', 'runtime', 'probe-child.js');
  if (!existsSync(built)) {
    throw new EdgepipeError(
      'ERR_PROBE_CHILD_MISSING',
      `The model probe needs the compiled ${built}; run "npm run build" in ${dir}`,
    );
  }
  return built;
}

export function defaultProbeCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache');
  return path.join(base, 'edgepipe', 'probe');
}

interface Settings {
  name: string;
  libraryPath: string;
  cacheDir: string;
  timeoutMs: number;
  memoryLimitBytes: number;
  maxTensorBytes: number;
}

function validate(options: ProbeOptions): Settings {
  if (typeof options?.name !== 'string' || options.name === '') {
    throw invalidOption('probe.name', 'a non-empty string', options?.name);
  }
  const integer = (key: keyof ProbeOptions, min: number, max: number, fallback: number): number => {
    const value = options[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalidOption(`probe.${key}`, `an integer between ${min} and ${max}`, value);
    }
    return value;
  };
  for (const key of ['library', 'cacheDir'] as const) {
    if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === '')) {
      throw invalidOption(`probe.${key}`, 'a non-empty path', options[key]);
    }
  }
  return {
    name: options.name,
    libraryPath: resolveLibraryPath(options.library).path,
    cacheDir: options.cacheDir ?? defaultProbeCacheDir(),
    timeoutMs: integer('timeoutMs', 1, 600_000, DEFAULT_PROBE_TIMEOUT_MS),
    memoryLimitBytes: integer('memoryLimitBytes', MIN_MEMORY_LIMIT_BYTES, Number.MAX_SAFE_INTEGER, DEFAULT_PROBE_MEMORY_LIMIT_BYTES),
    maxTensorBytes: integer('maxTensorBytes', 1, Number.MAX_SAFE_INTEGER, DEFAULT_PROBE_MAX_TENSOR_BYTES),
  };
}

/**
 * The cache file for these bytes under these settings: `<sha256>-<16 hex>.json`, the suffix hashing the library
 * (path, size and mtime: a replaced library of the same version string is a different library) and the tensor cap
 * (it decides between pass and refusal).
 */
export function probeCacheFile(cacheDir: string, sha256: string, libraryPath: string, maxTensorBytes: number): string {
  let identity = libraryPath;
  try {
    const stat = statSync(libraryPath);
    identity += `\0${stat.size}\0${stat.mtimeMs}`;
  } catch {
    identity += '\0missing';
  }
  const key = createHash('sha256').update(`${identity}\0${maxTensorBytes}`).digest('hex').slice(0, 16);
  return path.join(cacheDir, `${sha256}-${key}.json`);
}

type StoredVerdict = Omit<Extract<ProbeVerdict, { ok: true }>, 'cached'> | Omit<Extract<ProbeVerdict, { ok: false }>, 'cached'>;

async function readCached(file: string, sha256: string): Promise<StoredVerdict | undefined> {
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as { format?: unknown; verdict?: Partial<StoredVerdict> };
    const v = stored.verdict;
    // A corrupt or foreign file is a miss; the next write replaces it.
    if (stored.format !== CACHE_FORMAT || !v || v.sha256 !== sha256) return undefined;
    if (v.ok === true && Array.isArray(v.inputs) && Array.isArray(v.outputs) && typeof v.invokeMs === 'number' && v.library) {
      return v as StoredVerdict;
    }
    if (v.ok === false && typeof v.reason === 'string' && (v.kind === 'rejected' || v.kind === 'crashed')) {
      return v as StoredVerdict;
    }
  } catch {
    // missing or unreadable: a miss
  }
  return undefined;
}

/** Atomic: a reader sees the old file or the whole new one. Failure to cache never fails the probe. */
async function writeCached(file: string, verdict: StoredVerdict): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, `${JSON.stringify({ format: CACHE_FORMAT, probedAt: new Date().toISOString(), verdict })}\n`);
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/**
 * Loads `bytes` in a child process, creates a CPU interpreter (inputs and outputs above `maxTensorBytes` refused
 * before allocation), invokes once on zeroed inputs and returns the verdict. Cached by content hash: ok, rejected
 * and crashed verdicts are remembered ("a file that crashed the probe is remembered as bad"); timeout and memory
 * verdicts depend on the limits and the host's load, so they are probed again next time.
 * Throws (EdgepipeError) only when the probe itself cannot run: bad options, the child script, addon or library
 * missing.
 */
export async function probeModel(bytes: Uint8Array, options: ProbeOptions): Promise<ProbeVerdict> {
  if (!(bytes instanceof Uint8Array)) {
    throw invalidOption('probe bytes', 'a Uint8Array', bytes);
  }
  const settings = validate(options);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const cacheFile = probeCacheFile(settings.cacheDir, sha256, settings.libraryPath, settings.maxTensorBytes);
  const hit = await readCached(cacheFile, sha256);
  if (hit) return { ...hit, cached: true } as ProbeVerdict;

  const outcome = await runChild(bytes, settings);
  const verdict = judge(outcome, settings, sha256);
  if (verdict.ok || verdict.kind === 'rejected' || (verdict.kind === 'crashed' && outcome.signal !== null)) {
    await writeCached(cacheFile, verdict);
  }
  return { ...verdict, cached: false } as ProbeVerdict;
}

interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stage: ChildStage | undefined;
  /** The child's VmData when it entered `stage`. */
  dataBytes: number | undefined;
  report: ChildReport | undefined;
  stderr: string;
}

function runChild(bytes: Uint8Array, settings: Settings): Promise<ChildOutcome> {
  const childArgs = [probeChildPath(), '--library', settings.libraryPath, '--max-tensor-bytes', String(settings.maxTensorBytes)];
  const cap = probeMemoryCap();
  // prlimit execs the command, so the child pid is Node's and signals reach it directly. --core=0: a crashing
  // probe should not write a core dump of up to memoryLimitBytes on a board's SD card.
  const [command, args] =
    cap.mechanism === 'prlimit-data'
      ? [cap.prlimit!, [`--data=${settings.memoryLimitBytes}`, '--core=0', '--', process.execPath, ...childArgs]]
      : [process.execPath, childArgs];
  // NODE_OPTIONS (loaders, --inspect from a test runner or a debugger) must not change what the probe does.
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];

  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, settings.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (stdout.length < STDOUT_LIMIT) stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL);
    });
    // The child may die before reading all of stdin (EPIPE): its exit tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(bytes);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new EdgepipeError('ERR_PROBE_SPAWN', `${settings.name}: cannot start the model probe (${command}): ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let stage: ChildStage | undefined;
      let dataBytes: number | undefined;
      let report: ChildReport | undefined;
      for (const line of stdout.split('\n')) {
        if (!line.trim()) continue;
        try {
          const parsed = JSON.parse(line) as { stage?: ChildStage; dataBytes?: number } & Partial<ChildReport>;
          if ('ok' in parsed || 'error' in parsed) {
            report = parsed as ChildReport;
          } else if (typeof parsed.stage === 'string') {
            stage = parsed.stage;
            dataBytes = parsed.dataBytes;
          }
        } catch {
          // not ours (a stray line); ignored
        }
      }
      resolve({ code, signal, timedOut, stage, dataBytes, report, stderr });
    });
  });
}

/** TFLite's own stderr lines ("ERROR: ..."), e.g. the verifier's reason, which its C API does not return. */
function tfliteErrors(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.startsWith('ERROR: ')).map((line) => line.slice(7));
  return summariseTfliteLog(lines.join('\n'), 4);
}

function stderrTail(stderr: string): string {
  return summariseTfliteLog(stderr.split('\n').slice(-6).join('\n'), 6);
}

const memoryText = /std::bad_alloc|out of memory|Cannot allocate memory/i;

function judge(outcome: ChildOutcome, settings: Settings, sha256: string): StoredVerdict {
  const { report, signal, stage, stderr } = outcome;
  const where = stage ? ` ${stageText[stage]}` : '';
  if (outcome.timedOut) {
    return { ok: false, sha256, kind: 'timeout', reason: `the probe did not finish within ${settings.timeoutMs} ms${where} and was killed` };
  }
  if (signal !== null) {
    const tail = stderrTail(stderr);
    const detail = tail ? `; stderr: ${tail}` : '';
    // Nobody but the kernel's OOM killer sends SIGKILL here (ours is the timeout, handled above). TFLite's C code
    // does not check every malloc: under the limit a failed allocation can end as SIGSEGV. Measured: a 2^28
    // dimension with a 512 MiB limit faults in Invoke with 432 MiB in use, and passes with 1 GiB.
    const nearLimit = outcome.dataBytes !== undefined && outcome.dataBytes >= settings.memoryLimitBytes / 2;
    if (memoryText.test(stderr) || signal === 'SIGKILL' || nearLimit) {
      const used = outcome.dataBytes === undefined ? '' : `, ${outcome.dataBytes} in use`;
      return {
        ok: false,
        sha256,
        kind: 'memory',
        reason: `out of memory${where} (probe limit ${settings.memoryLimitBytes} bytes${used}): the process died with ${signal}${detail}`,
      };
    }
    return {
      ok: false,
      sha256,
      kind: 'crashed',
      reason: `TensorFlow Lite crashed the probe process with ${signal} (${signalText[signal] ?? 'signal'})${where}${detail}`,
    };
  }
  if (report && 'error' in report) {
    if (outcome.code === CHILD_ENVIRONMENT_EXIT) {
      throw new EdgepipeError(report.error.code, `${settings.name}: cannot probe the model: ${report.error.message}`);
    }
  } else if (report && report.ok) {
    return { ok: true, sha256, library: report.library, inputs: report.inputs, outputs: report.outputs, invokeMs: report.invokeMs };
  } else if (report) {
    if (report.lost || memoryText.test(report.reason)) {
      // TFLite is built without exceptions: what escapes it is the standard library's allocation failure.
      return { ok: false, sha256, kind: 'memory', reason: `out of memory ${stageText[report.stage]} (probe limit ${settings.memoryLimitBytes} bytes): ${report.reason}` };
    }
    const verifier = report.stage === 'model' ? tfliteErrors(stderr) : '';
    return { ok: false, sha256, kind: 'rejected', reason: verifier ? `${report.reason}: ${verifier}` : report.reason };
  }
  // No verdict and no signal: Node itself failed (e.g. aborted at startup under a tiny memory limit). Not cached.
  return {
    ok: false,
    sha256,
    kind: memoryText.test(stderr) ? 'memory' : 'crashed',
    reason: `the probe process exited with code ${outcome.code}${where} without a verdict: ${stderrTail(stderr) || 'no output'}`,
  };
}

/**
 * Reads a model file, probes it (see probeModel) and loads it in this process only if the probe passed.
 * `bytes`: the file's content read earlier (a reload holds it, so a rollback loads what ran before even after the
 * file was replaced); the file is then not read. Errors name the file: ERR_MODEL_FILE (missing, a directory,
 * empty), ERR_MODEL_PROBE (the verdict's reason); both with exit code 2.
 */
export async function loadVerifiedModel(
  file: string,
  options: Omit<ProbeOptions, 'name'> & { name?: string; bytes?: Uint8Array } = {},
): Promise<Model> {
  if (typeof file !== 'string' || file === '') throw invalidOption('model file', 'a file path', file);
  const { bytes: held, ...probeOptions } = options;
  const bytes = held ?? (await readModelFile(file));
  const verdict = await probeModel(bytes, { ...probeOptions, name: options.name ?? file });
  if (!verdict.ok) {
    const error = new EdgepipeError('ERR_MODEL_PROBE', `${file}: ${verdict.reason}`, { exitCode: 2 });
    // A supervisor retries a failing pipeline: until the file changes, the retry fails without reading it.
    if (verdict.kind === 'rejected') rememberModelRefusal(bytes, error);
    throw error;
  }
  return Model.fromBuffer(bytes, file, options.library === undefined ? {} : { library: options.library });
}

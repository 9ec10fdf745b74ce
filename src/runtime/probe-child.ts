/**
 * The probe child: a short-lived process that loads one model, creates an interpreter on the plain CPU kernels,
 * fills the inputs with zeros and invokes once. Files that pass TFLite's flatbuffer verifier can still crash the
 * process (docs/FACTS.md, "TFLite 2.9 C library": SIGSEGV in AllocateTensors, SIGABRT from heap corruption or an
 * uncaught std::bad_alloc), so this runs here, never in the service. Spawned only by probe.ts.
 *
 * Protocol: argv `--library <path> --max-tensor-bytes <n>`; the model bytes arrive on stdin. Every stdout line is
 * one JSON object: `{"stage", "dataBytes"}` before each step (so the parent can say where a crash happened and
 * how close to the memory limit it was), then exactly
 * one `ChildReport`. Exit 0 for every verdict the child can state itself (pass or TFLite's rejection). Exit code 3
 * with an `{error}` report means the probe itself could not run (addon or library missing): not the model's
 * fault, never cached. Dying by a signal is the parent's business.
 */
import { readFileSync } from 'node:fs';
import { EdgepipeError } from './errors.js';
import { Interpreter } from './interpreter.js';
import { loadTflite } from './library.js';
import { Model } from './model.js';
import { CHILD_ENVIRONMENT_EXIT, type ChildReport, type ChildStage } from './probe.js';

let stage: ChildStage | undefined;
let reported = false;

// Pipes are synchronous on Linux, so a line written here is out before a crash in the next native call.
function emit(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function enter(next: ChildStage): void {
  stage = next;
  emit({ stage: next, dataBytes: dataBytes() });
}

/** VmData: what RLIMIT_DATA counts (Linux); the resident set elsewhere. */
function dataBytes(): number {
  try {
    const kib = /^VmData:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

function report(result: ChildReport): void {
  reported = true;
  emit(result);
}

// A C++ exception thrown inside CreateWorker::Execute (std::bad_alloc under the memory limit) is caught by
// node-addon-api, but the worker has no OnError, so its promise never settles and Node exits with code 13
// (unsettled top-level await). Say so instead of ending silently.
process.on('exit', () => {
  if (reported || stage === undefined) return;
  report({
    ok: false,
    stage,
    lost: true,
    reason: 'TensorFlow Lite threw a C++ exception (its text was lost; std::bad_alloc when memory runs out)',
  });
  process.exitCode = 0;
});

function parseArgs(argv: readonly string[]): { library: string; maxTensorBytes: number } {
  const value = (flag: string): string => {
    const at = argv.indexOf(flag);
    const found = at >= 0 ? argv[at + 1] : undefined;
    if (found === undefined) throw new EdgepipeError('ERR_PROBE_ARGS', `probe-child: missing ${flag}`);
    return found;
  };
  const maxTensorBytes = Number(value('--max-tensor-bytes'));
  if (!Number.isFinite(maxTensorBytes) || maxTensorBytes < 0) {
    throw new EdgepipeError('ERR_PROBE_ARGS', `probe-child: bad --max-tensor-bytes ${value('--max-tensor-bytes')}`);
  }
  return { library: value('--library'), maxTensorBytes };
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Errors from Model/Interpreter start with the model name ('model: '); the parent adds the real name. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('model: ') ? message.slice('model: '.length) : message;
}

async function probe(bytes: Uint8Array, library: { path: string; version: string }, maxTensorBytes: number): Promise<ChildReport> {
  // Anything thrown from here on is the model's doing (the library is loaded): a rejection, not an environment error.
  const failed = (error: unknown): ChildReport => ({ ok: false, stage: stage ?? 'model', reason: reasonOf(error) });
  let interpreter: Interpreter;
  try {
    enter('model');
    const model = Model.fromBuffer(bytes, 'model', { library: library.path });
    enter('interpreter');
    interpreter = await Interpreter.create(model, { threads: 1, maxTensorBytes });
  } catch (error) {
    return failed(error);
  }
  try {
    enter('inputs');
    for (const info of interpreter.inputs) {
      if (info.bytes === 0) continue; // a zero-sized tensor has no buffer to fill
      const view = interpreter.input(info.index);
      new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0);
    }
    enter('invoke');
    const started = process.hrtime.bigint();
    await interpreter.invoke();
    const invokeMs = Number(process.hrtime.bigint() - started) / 1e6;
    const result: ChildReport = { ok: true, library, inputs: [...interpreter.inputs], outputs: [...interpreter.outputs], invokeMs };
    // Freeing the arena before the verdict lets glibc notice heap corruption from Invoke: an abort here is a
    // crash verdict, not a surprise in the service later.
    enter('dispose');
    interpreter.dispose();
    return result;
  } catch (error) {
    return failed(error);
  } finally {
    interpreter.dispose();
  }
}

async function main(): Promise<void> {
  let library: { path: string; version: string };
  let maxTensorBytes: number;
  try {
    const args = parseArgs(process.argv.slice(2));
    maxTensorBytes = args.maxTensorBytes;
    const loaded = loadTflite(args.library);
    library = { path: loaded.path, version: loaded.version };
  } catch (error) {
    const code = error instanceof EdgepipeError ? error.code : 'ERR_PROBE_CHILD';
    report({ error: { code, message: error instanceof Error ? error.message : String(error) } });
    process.exitCode = CHILD_ENVIRONMENT_EXIT;
    return;
  }
  report(await probe(await readStdin(), library, maxTensorBytes));
}

await main();

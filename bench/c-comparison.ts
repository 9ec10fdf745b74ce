/**
 * edgepipe against a plain C program timing TfLiteInterpreterInvoke on the same library, model, threads and
 * delegate (bench/c/invoke_bench.c). Each side runs in its own process; rounds alternate C and edgepipe so
 * that load on the shared host hits both alike, and the median of the rounds' p50s is compared.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveLibraryPath } from '../src/runtime/library.js';
import { optimizeModelBytes } from '../src/optimize/index.js';

const run = promisify(execFile);

interface InvokeStats {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ComparisonOptions {
  threads: number;
  delegate: 'xnnpack' | 'none';
  runs?: number;
  warmup?: number;
  rounds?: number;
}

/** Compiles bench/c/invoke_bench.c once (when the source is newer than the binary). */
async function cBenchBinary(root: string): Promise<string> {
  const source = path.join(root, 'bench', 'c', 'invoke_bench.c');
  const outDir = path.join(root, '.cache', 'bench');
  const binary = path.join(outDir, 'invoke_bench');
  mkdirSync(outDir, { recursive: true });
  const stale = (() => {
    try {
      return statSync(binary).mtimeMs < statSync(source).mtimeMs;
    } catch {
      return true;
    }
  })();
  if (stale) {
    const include = path.join(path.dirname(resolveLibraryPath().path), '..', 'include');
    // $CC as make reads it (a cross compiler, or "ccache gcc"), else gcc.
    const [cc = 'gcc', ...ccArgs] = (process.env['CC'] ?? '').trim().split(/\s+/).filter((word) => word !== '');
    await run(cc, [...ccArgs, '-O2', '-std=c11', '-I', include, '-o', binary, source, '-ldl', '-lm']);
  }
  return binary;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function cSide(binary: string, model: string, o: Required<ComparisonOptions>): Promise<InvokeStats> {
  const { stdout } = await run(binary, [
    '--lib', resolveLibraryPath().path, '--model', model, '--threads', String(o.threads),
    '--delegate', o.delegate, '--runs', String(o.runs), '--warmup', String(o.warmup),
  ]);
  return (JSON.parse(stdout) as { invoke_ms: InvokeStats }).invoke_ms;
}

async function edgepipeSide(root: string, model: string, o: Required<ComparisonOptions>): Promise<InvokeStats> {
  const { stdout } = await run(process.execPath, [
    path.join(root, 'bin', 'edgepipe.js'), 'bench', model, '--json', '--threads', String(o.threads),
    '--delegates', o.delegate === 'none' ? 'cpu' : 'xnnpack', '--runs', String(o.runs), '--warmup', String(o.warmup),
  ]);
  return (JSON.parse(stdout) as { invoke_ms: InvokeStats }).invoke_ms;
}

export async function cComparison(root: string, model: string, options: ComparisonOptions): Promise<Record<string, unknown>> {
  const o = { runs: 300, warmup: 20, rounds: 5, ...options };
  const binary = await cBenchBinary(root);
  const c: InvokeStats[] = [];
  const edgepipe: InvokeStats[] = [];
  for (let round = 0; round < o.rounds; round += 1) {
    c.push(await cSide(binary, model, o));
    edgepipe.push(await edgepipeSide(root, model, o));
  }
  const cP50 = median(c.map((s) => s.p50));
  const eP50 = median(edgepipe.map((s) => s.p50));
  return {
    name: 'c_comparison',
    model: path.basename(model),
    delegate: o.delegate,
    threads: o.threads,
    runs: o.runs,
    rounds: o.rounds,
    c_p50_ms: cP50,
    edgepipe_p50_ms: eP50,
    ratio: Math.round((eP50 / cP50) * 1000) / 1000,
    c_p99_ms: median(c.map((s) => s.p99)),
    edgepipe_p99_ms: median(edgepipe.map((s) => s.p99)),
    round_p50s_ms: { c: c.map((s) => s.p50), edgepipe: edgepipe.map((s) => s.p50) },
  };
}

/** Per-invoke cost of edgepipe's async path on a model whose own invoke takes about a microsecond. */
export async function asyncOverhead(root: string, model: string): Promise<Record<string, unknown>> {
  const result = await cComparison(root, model, { threads: 1, delegate: 'none', runs: 20000, warmup: 500, rounds: 5 });
  const overheadUs = ((result['edgepipe_p50_ms'] as number) - (result['c_p50_ms'] as number)) * 1000;
  return { ...result, name: 'async_overhead', overhead_p50_us: Math.round(overheadUs * 10) / 10 };
}

/**
 * c-comparison on uint8 models rewritten by `edgepipe optimize` (written to .cache/bench/<name>.int8.tflite), on
 * XNNPACK with 1 thread: the "within 5% of C" claim for the models `model.optimize: auto` switches to.
 */
export async function optimizedComparison(root: string, models: readonly string[]): Promise<Record<string, unknown>[]> {
  const outDir = path.join(root, '.cache', 'bench');
  mkdirSync(outDir, { recursive: true });
  const results: Record<string, unknown>[] = [];
  for (const model of models) {
    const out = path.join(outDir, `${path.basename(model, '.tflite')}.int8.tflite`);
    writeFileSync(out, optimizeModelBytes(readFileSync(model), model).bytes);
    results.push(await cComparison(root, out, { threads: 1, delegate: 'xnnpack' }));
  }
  return results;
}

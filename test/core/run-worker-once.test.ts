// runWorkerOnce: each way a one-job worker can end, with real worker threads running small scripts written here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledWorkerFile, runWorkerOnce } from '../../src/core/run-worker-once.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `import { parentPort, workerData } from 'node:worker_threads';\n${body}\n`);
  return file;
}

const answers = script('answers.mjs', 'parentPort.postMessage({ doubled: workerData * 2 });');
const throws = script('throws.mjs', "throw new Error('the model is upside down');");
const exits = script('exits.mjs', 'process.exit(3);');
// Keeps the thread alive and silent; only the time limit or an abort ends the run.
const hangs = script('hangs.mjs', 'setInterval(() => {}, 1000);');
const hungry = script('hungry.mjs', 'const keep = []; for (;;) keep.push(new Array(1e6).fill(keep.length));');
const generous = { timeoutMs: 60_000, maxHeapMb: 64 };

describe('runWorkerOnce', () => {
  it('resolves with the worker\'s answer to its workerData', async () => {
    expect(await runWorkerOnce(answers, { ...generous, workerData: 21 })).toEqual({ kind: 'answered', message: { doubled: 42 } });
  });

  it('resolves with the error a worker throws', async () => {
    const end = await runWorkerOnce(throws, { ...generous, workerData: null });
    expect(end.kind).toBe('threw');
    expect(end.kind === 'threw' && end.error.message).toBe('the model is upside down');
  });

  it('resolves with the exit code of a worker that exits without answering', async () => {
    expect(await runWorkerOnce(exits, { ...generous, workerData: null })).toEqual({ kind: 'exited', code: 3 });
  });

  it('stops a worker that does not answer in time', async () => {
    const started = performance.now();
    expect(await runWorkerOnce(hangs, { ...generous, timeoutMs: 200, workerData: null })).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(199);
  });

  it('stops a worker when aborted, or at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    const run = runWorkerOnce(hangs, { ...generous, workerData: null, signal: controller.signal });
    controller.abort();
    expect(await run).toEqual({ kind: 'aborted' });
    expect(await runWorkerOnce(answers, { ...generous, workerData: 1, signal: AbortSignal.abort() })).toEqual({ kind: 'aborted' });
  });

  it('tells a worker that ran out of its heap', async () => {
    const end = await runWorkerOnce(hungry, { timeoutMs: 120_000, maxHeapMb: 16, workerData: null });
    expect(end.kind).toBe('out-of-memory');
  });

  it('names a worker file that is not there, without starting anything', async () => {
    const file = path.join(dir, 'nope.js');
    expect(await runWorkerOnce(file, { ...generous, workerData: null })).toEqual({ kind: 'missing', file });
  });
});

describe('compiledWorkerFile', () => {
  it('is beside a compiled module, and under dist/ for a module run from src/', () => {
    const root = path.join(dir, 'project');
    expect(compiledWorkerFile(pathToFileURL(path.join(root, 'dist', 'optimize', 'convert-off-thread.js')).href, 'convert-worker.js'))
      .toBe(path.join(root, 'dist', 'optimize', 'convert-worker.js'));
    expect(compiledWorkerFile(pathToFileURL(path.join(root, 'src', 'config', 'load-off-thread.ts')).href, 'load-worker.js'))
      .toBe(path.join(root, 'dist', 'config', 'load-worker.js'));
  });
});

/**
 * tuneHeapForFrames() changes V8's old-generation growing factor in a running process (node refuses the flag in
 * NODE_OPTIONS, so the service sets it itself). Read back from V8's own trace of the limit it computes at each
 * mark-compact. A 64 MB old space makes V8's default factor small (1.3), so the two cases differ.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT } from '../../src/runtime/heap.js';
import { projectRoot } from '../helpers/shared-models.js';

const heapModule = pathToFileURL(path.join(projectRoot, 'dist', 'runtime', 'heap.js')).href;

/** The factor V8 applied at the last mark-compact of a child that optionally tunes itself, then collects twice. */
function lastGrowingFactor(nodeFlags: string[], tune: boolean): Promise<number> {
  const script = `${tune ? `(await import(${JSON.stringify(heapModule)})).tuneHeapForFrames();` : ''} globalThis.gc(); globalThis.gc();`;
  const args = [...nodeFlags, '--max-old-space-size=64', '--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: '' } }, (error, stdout) => {
      if (error) return reject(error);
      const factors = [...stdout.matchAll(/\[HeapController\] Limit: .* \((\d+\.\d+)\)$/gm)].map((m) => Number(m[1]));
      if (factors.length === 0) return reject(new Error(`no limit trace in:\n${stdout}`));
      resolve(factors[factors.length - 1]!);
    });
  });
}

describe('tuneHeapForFrames', () => {
  it('sets the growing factor to 1 + HEAP_GROWING_PERCENT / 100 in a process already running', async () => {
    expect(await lastGrowingFactor([], false)).toBeLessThan(2);
    expect(await lastGrowingFactor([], true)).toBe(1 + HEAP_GROWING_PERCENT / 100);
  });

  it('leaves a --heap-growing-percent given on the node command line alone', async () => {
    expect(await lastGrowingFactor(['--heap-growing-percent=50'], true)).toBe(1.5);
  });
});

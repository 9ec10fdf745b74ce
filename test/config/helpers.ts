/** Shared helpers of the config tests: fixture folders, and the message of a ConfigError a call throws. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { ConfigError } from '../../src/config/problems.js';

export const fixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/config');
export const brokenDir = path.join(fixturesDir, 'broken');
export const validDir = path.join(fixturesDir, 'valid');
export const placeholderModel = path.join(fixturesDir, 'models/placeholder.tflite');

/** The ConfigError that `run` throws (fails the test when it throws nothing or something else). */
export async function configError(run: () => unknown): Promise<ConfigError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** The problem lines of a ConfigError message (without the count line and the docs pointer). */
export function problemLines(error: ConfigError): string[] {
  return error.message.split('\n').slice(1, -1);
}

const made: string[] = [];
const writers: ChildProcess[] = [];
afterEach(() => {
  for (const child of writers.splice(0)) child.kill('SIGKILL');
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A FIFO (mkfifo) with a writer waiting on it: should the code under test open it for reading (the loader before
 * issue 11 did, and blocked until a writer came), it reads `leaked: 1` and the test fails instead of hanging.
 * The writer is killed after the test.
 */
export function guardedFifo(dir: string, name: string): string {
  const fifo = path.join(dir, name);
  execFileSync('mkfifo', [fifo]);
  writers.push(spawn(process.execPath, ['-e', "require('fs').writeFileSync(process.argv[1], 'leaked: 1\\n')", fifo], { stdio: 'ignore' }));
  return fifo;
}

/** A temporary folder removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-config-'));
  made.push(dir);
  return dir;
}

/** A minimal valid pipeline in YAML (one list item, 2-space indented under `pipelines:`). */
export function pipelineYaml(name: string, extra = '', model = placeholderModel): string {
  return `  - name: ${name}\n    source: { kind: synthetic }\n    model: { file: ${JSON.stringify(model)} }\n    postprocess: { kind: classify }\n${extra}`;
}

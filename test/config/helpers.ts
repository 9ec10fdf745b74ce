/** Shared helpers of the config tests: fixture folders, and the message of a ConfigError a call throws. */
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
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

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

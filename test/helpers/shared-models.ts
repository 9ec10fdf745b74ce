/**
 * The real models made by others live in ../shared/models (never copied into the project). Tests that use them
 * skip with a message when the folder is absent, except in CI where it is always present and absence is a failure.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedModelsDir = path.resolve(projectRoot, '..', 'shared', 'models');
export const hasSharedModels = existsSync(sharedModelsDir);

if (!hasSharedModels) {
  if (process.env['CI'] === 'true') {
    throw new Error(`CI=true but the shared models folder ${sharedModelsDir} is missing`);
  }
  console.warn(`skipping tests that use real models: ${sharedModelsDir} is absent`);
}

export function sharedModel(name: string): string {
  return path.join(sharedModelsDir, name);
}

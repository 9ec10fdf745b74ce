/** Size-based rotation of a log file: `path` -> `path.1` -> `path.2` ... -> `path.<keep>` (the oldest is deleted). */
import { rename, rm } from 'node:fs/promises';
import { errnoCode } from './errors.js';

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

/**
 * Shifts the chain by one: `path.<keep>` is deleted, `path.<i>` becomes `path.<i+1>`, `path` becomes `path.1`.
 * With `keep` 0 the current file is simply deleted. Missing members of the chain are fine.
 */
export async function rotateFiles(filePath: string, keep: number): Promise<void> {
  if (keep <= 0) {
    await rm(filePath, { force: true });
    return;
  }
  await rm(`${filePath}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) await renameIfPresent(`${filePath}.${i}`, `${filePath}.${i + 1}`);
  await renameIfPresent(filePath, `${filePath}.1`);
}

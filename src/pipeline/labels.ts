import { readFile } from 'node:fs/promises';
import { EdgepipeError } from '../runtime/errors.js';
import type { Model } from '../runtime/model.js';

/**
 * Labels from a file (one per line), else those packed in the model's metadata, else none. `held`: the file's
 * content read earlier (a reload holds it); the file is then not read.
 */
export async function readLabels(file: string | undefined, model: Model, held?: string): Promise<readonly string[] | undefined> {
  if (file === undefined) return model.info.metadata?.labels;
  let text: string;
  try {
    text = held ?? (await readFile(file, 'utf8'));
  } catch (error) {
    throw new EdgepipeError('ERR_LABELS_FILE', `model.labels: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      exitCode: 2,
    });
  }
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

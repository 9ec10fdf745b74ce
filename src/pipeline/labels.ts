import { readFile } from 'node:fs/promises';
import { EdgepipeError } from '../runtime/errors.js';
import type { Model } from '../runtime/model.js';
import { outputProducers } from '../postprocess/scores.js';
import type { PostprocessContext } from '../postprocess/types.js';

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

/**
 * What the postprocessor factory needs to know about `model` besides its outputs: the labels (`labelsFile`, else
 * the model's metadata: TENSOR_AXIS_LABELS for classifiers, TENSOR_VALUE_LABELS on a detector's classes output),
 * the label offset, the name for messages and the op computing each output (classify tells logits from
 * probabilities by it).
 */
export async function postprocessContext(
  model: Model,
  labelsFile: string | undefined,
  labelOffset: number,
  modelName: string,
  heldLabels?: string,
): Promise<PostprocessContext> {
  const labels = await readLabels(labelsFile, model, heldLabels);
  return { ...(labels ? { labels } : {}), labelOffset, modelName, outputProducers: outputProducers(model.info) };
}

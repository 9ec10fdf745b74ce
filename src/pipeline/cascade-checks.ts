/**
 * `edgepipe validate`'s checks of a pipeline's `cascade:` models: each loads, takes one image and has outputs the
 * classify postprocessor reads (the same checks openSecondaryModel makes at start), as `cascade[i].model: ...`.
 */
import type { PipelineConfig } from '../config/types.js';
import { cascadeName } from '../config/schema-cascade.js';
import { createInterpreter, validateChain } from '../runtime/delegate-chain.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import { EdgepipeError } from '../runtime/errors.js';
import { loadVerifiedModel } from '../runtime/probe.js';
import { postprocessContext } from './labels.js';
import { secondaryInputProblem, secondaryPostprocessor } from './secondary-model.js';

/** One line per problem, each starting with the field (`cascade[0].model: ...`). */
export async function cascadeModelProblems(
  pipeline: PipelineConfig,
  library: string | undefined,
  descriptors: ReadonlyMap<string, DelegateDescriptor>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, entry] of (pipeline.cascade ?? []).entries()) {
    const field = `cascade[${i}].model`;
    try {
      // `board` is the pipeline's own chain, resolved (and checked) with it.
      if (entry.delegates) validateChain(entry.delegates.filter((name) => name !== 'board'), descriptors);
    } catch (error) {
      if (!(error instanceof EdgepipeError)) throw error;
      problems.push(`cascade[${i}].delegates: ${error.message}`);
    }
    let model;
    try {
      model = await loadVerifiedModel(entry.model, library ? { library } : {});
    } catch (error) {
      if (!(error instanceof EdgepipeError)) throw error;
      problems.push(`${field}: ${error.message}`);
      continue;
    }
    const { interpreter } = await createInterpreter(model, { delegates: ['cpu'], warmup: 0 });
    try {
      const input = secondaryInputProblem(entry.model, interpreter.inputs);
      if (input) {
        problems.push(`${field}: ${input}`);
        continue;
      }
      const context = await postprocessContext(model, entry.labels, entry.labelOffset, entry.model);
      secondaryPostprocessor(interpreter.outputs, context);
    } catch (error) {
      if (!(error instanceof EdgepipeError)) throw error;
      problems.push(`${error.code === 'ERR_LABELS_FILE' ? `cascade[${i}].labels` : field}: ${error.message.replace(/^model\.labels: /, '')} (cascade ${cascadeName(entry)})`);
    } finally {
      interpreter.dispose();
    }
  }
  return problems;
}

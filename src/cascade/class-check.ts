/**
 * Checks the class names of a `cascade:` list against the pipeline's model labels, once they are known (after the
 * model is loaded: `edgepipe validate` and pipeline start), as src/tracking/class-check.ts does for `track:`.
 */
import { closestMatch } from '../config/suggest.js';
import type { CascadeConfig } from '../config/types.js';

export interface CascadeClassProblem {
  /** The field in YAML spelling within the pipeline: `cascade[0].classes[1]`. */
  field: string;
  message: string;
}

/** Every class name of `cascade` that is neither a label of the primary model (from labelOffset on) nor a class index. */
export function cascadeClassProblems(
  cascade: readonly CascadeConfig[],
  labels: readonly string[] | undefined,
  labelOffset: number,
  modelName: string,
): CascadeClassProblem[] {
  const known = labels ? [...new Set(labels.slice(labelOffset).filter((l) => l !== '' && l !== '???'))] : undefined;
  const problems: CascadeClassProblem[] = [];
  cascade.forEach((entry, i) =>
    entry.classes.forEach((name, j) => {
      const field = `cascade[${i}].classes[${j}]`;
      if (known?.includes(name) || /^(0|[1-9][0-9]*)$/.test(name)) return;
      if (!known) {
        problems.push({ field, message: `"${name}" is not a class index and ${modelName} has no labels (set model.labels, or give indices)` });
        return;
      }
      const close = closestMatch(name, known);
      problems.push({ field, message: `"${name}" is not a label of ${modelName}${close ? `; did you mean "${close}"?` : ''}` });
    }),
  );
  return problems;
}

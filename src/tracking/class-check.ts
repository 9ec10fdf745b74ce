/**
 * Checks the class names of a `track:` section against the model's labels, once they are known (after the model
 * is loaded: `edgepipe validate` and pipeline start). The schema cannot: labels come from the model's metadata or
 * a labels file. Names are labels, or class indices written as numbers, as in `postprocess.classes`.
 */
import { closestMatch } from '../config/suggest.js';
import type { TrackConfig } from '../config/types.js';

export interface ClassProblem {
  /** The field in YAML spelling within the pipeline: `track.filters[1].class`. */
  field: string;
  message: string;
}

/** Every class name of `track` that is neither a label (from labelOffset on) nor an index below classCount. */
export function trackClassProblems(
  track: TrackConfig,
  labels: readonly string[] | undefined,
  labelOffset: number,
  modelName: string,
  classCount?: number,
): ClassProblem[] {
  const known = labels ? [...new Set(labels.slice(labelOffset).filter((l) => l !== '' && l !== '???'))] : undefined;
  const problems: ClassProblem[] = [];
  const check = (field: string, name: string) => {
    if (known?.includes(name)) return;
    if (/^(0|[1-9][0-9]*)$/.test(name)) {
      const index = Number(name);
      if (classCount !== undefined && index >= classCount) {
        problems.push({ field, message: `class index ${index} is out of range: ${modelName} has ${classCount} classes (0-${classCount - 1})` });
      }
      return;
    }
    if (!known) {
      problems.push({ field, message: `"${name}" is not a class index and ${modelName} has no labels (set model.labels, or give indices)` });
      return;
    }
    const close = closestMatch(name, known);
    problems.push({ field, message: `"${name}" is not a label of ${modelName}${close ? `; did you mean "${close}"?` : ''}` });
  };
  track.classes.forEach((name, i) => check(`track.classes[${i}]`, name));
  track.filters.forEach((f, i) => {
    if (f.class !== undefined) check(`track.filters[${i}].class`, f.class);
  });
  track.mergeClasses.forEach((group, g) => group.forEach((name, i) => check(`track.merge_classes[${g}][${i}]`, name)));
  track.masks.forEach((m, i) => m.classes.forEach((name, j) => check(`track.masks[${i}].classes[${j}]`, name)));
  return problems;
}

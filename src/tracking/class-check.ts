/**
 * Checks the class names of a `track:` section against the model's labels, once they are known (after the model
 * is loaded: `edgepipe validate` and pipeline start). The schema cannot: labels come from the model's metadata or
 * a labels file. Names are labels, or class indices written as numbers, as in `postprocess.classes`.
 */
import { classNameProblem, knownLabels } from '../config/suggest.js';
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
  const known = knownLabels(labels, labelOffset);
  const problems: ClassProblem[] = [];
  const check = (field: string, name: string) => {
    const message = classNameProblem(name, known, modelName, classCount);
    if (message) problems.push({ field, message });
  };
  track.classes.forEach((name, i) => check(`track.classes[${i}]`, name));
  track.filters.forEach((f, i) => {
    if (f.class !== undefined) check(`track.filters[${i}].class`, f.class);
  });
  track.mergeClasses.forEach((group, g) => group.forEach((name, i) => check(`track.merge_classes[${g}][${i}]`, name)));
  track.masks.forEach((m, i) => m.classes.forEach((name, j) => check(`track.masks[${i}].classes[${j}]`, name)));
  return problems;
}

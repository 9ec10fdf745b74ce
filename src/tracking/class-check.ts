/**
 * Checks the class names of a `track:` section against the model's labels, once they are known (after the model
 * is loaded: `edgepipe validate` and pipeline start). The schema cannot: labels come from the model's metadata or
 * a labels file. Names are labels, or class indices written as numbers, as in `postprocess.classes`.
 */
import { classNameProblem, knownLabels } from '../config/suggest.js';
import { mergeClassPath } from '../config/schema-track.js';
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
  track.mergeClasses.forEach((group, g) => {
    group.classes.forEach((name, i) => check(`track.${mergeClassPath(group, g, i)}`, name));
    // A name of its own is the point of `as`; a label of the model outside the group would mix two kinds of object.
    if (group.as !== undefined && known?.includes(group.as) && !group.classes.includes(group.as)) {
      problems.push({
        field: `track.merge_classes[${g}].as`,
        message: `"${group.as}" is a label of ${modelName} outside this group; expected a class of the group or a name ${modelName} has no label for`,
      });
    }
  });
  track.masks.forEach((m, i) => m.classes.forEach((name, j) => check(`track.masks[${i}].classes[${j}]`, name)));
  return problems;
}

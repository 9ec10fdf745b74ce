/**
 * Checks the class names of zones and lines against the model's labels, once they are known (`edgepipe validate`
 * and pipeline start), as src/tracking/class-check.ts does for `track:`: the schema cannot, labels come from the
 * model's metadata or a labels file.
 */
import { classNameProblem, knownLabels } from '../config/suggest.js';

export interface ZoneClassProblem {
  /** The field in YAML spelling within the pipeline: `zones[1].classes[0]`. */
  field: string;
  message: string;
}

type Counted = ReadonlyArray<{ classes?: readonly string[] | undefined }>;

/** Every class name of `zones` and `lines` that is neither a label (from labelOffset on) nor an index below classCount. */
export function zoneClassProblems(
  lists: { zones?: Counted | undefined; lines?: Counted | undefined },
  labels: readonly string[] | undefined,
  labelOffset: number,
  modelName: string,
  classCount?: number,
): ZoneClassProblem[] {
  const known = knownLabels(labels, labelOffset);
  const problems: ZoneClassProblem[] = [];
  for (const key of ['zones', 'lines'] as const) {
    (lists[key] ?? []).forEach((item, i) =>
      (item.classes ?? []).forEach((name, j) => {
        const message = classNameProblem(name, known, modelName, classCount);
        if (message) problems.push({ field: `${key}[${i}].classes[${j}]`, message });
      }),
    );
  }
  return problems;
}

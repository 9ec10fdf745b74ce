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
type MergeGroups = ReadonlyArray<{ as?: string | undefined; classes: readonly string[] }>;

/**
 * Every class name of `zones` and `lines` that is neither a label (from labelOffset on), an index below classCount,
 * nor the name of a `track.merge_classes` group; and each class of a named group, whose tracks count under the name.
 */
export function zoneClassProblems(
  lists: { zones?: Counted | undefined; lines?: Counted | undefined; track?: { mergeClasses: MergeGroups } | undefined },
  labels: readonly string[] | undefined,
  labelOffset: number,
  modelName: string,
  classCount?: number,
): ZoneClassProblem[] {
  const known = knownLabels(labels, labelOffset);
  const problems: ZoneClassProblem[] = [];
  const groups = lists.track?.mergeClasses ?? [];
  const named = new Set(groups.flatMap((group) => (group.as === undefined ? [] : [group.as])));
  const renamed = new Map(groups.flatMap((group, g) => group.classes.map((name) => [name, { as: group.as, g }] as const)).filter(([, to]) => to.as !== undefined));
  for (const key of ['zones', 'lines'] as const) {
    (lists[key] ?? []).forEach((item, i) =>
      (item.classes ?? []).forEach((name, j) => {
        if (named.has(name)) return;
        const to = renamed.get(name);
        const message = to === undefined
          ? classNameProblem(name, known === undefined ? undefined : [...known, ...named], modelName, classCount)
          : `"${name}" is tracked as "${to.as}" (track.merge_classes[${to.g}].as); expected ${to.as}`;
        if (message) problems.push({ field: `${key}[${i}].classes[${j}]`, message });
      }),
    );
  }
  return problems;
}

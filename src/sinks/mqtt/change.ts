/**
 * What changed meaningfully between two results of one pipeline (docs/mqtt.md, "Modes"): the basis of
 * `mode: change` and of the events topic. Pure: no clock, no I/O.
 * - classify: the top class changed, or its score crossed `threshold` (either way);
 * - detect: a label appeared (entered) or disappeared (left) from the set of labels present;
 * - segment: the same with the classes present in the mask;
 * - pose: a person is present (any keypoint visible) or not;
 * - scalar: the anomaly flag flipped.
 */
import type { Result } from '../../core/result.js';

export type ChangeEvent =
  | { type: 'entered' | 'left'; label: string; score: number }
  | { type: 'class_changed'; label: string; score: number; previous: string | null }
  | { type: 'score_above' | 'score_below'; label: string; score: number; threshold: number }
  | { type: 'anomaly' | 'normal'; value: number };

const labelOf = (entry: { index: number; label?: string }): string => entry.label ?? String(entry.index);

/** Highest score per label of the entries present. */
function present(entries: ReadonlyArray<{ index: number; label?: string; score: number }>): Map<string, number> {
  const labels = new Map<string, number>();
  for (const entry of entries) {
    const label = labelOf(entry);
    labels.set(label, Math.max(labels.get(label) ?? -Infinity, entry.score));
  }
  return labels;
}

/** Labels of `current` not in `previous` (entered) and of `previous` not in `current` (left), each sorted. */
function presenceEvents(previous: Map<string, number>, current: Map<string, number>): ChangeEvent[] {
  const entered = [...current].filter(([label]) => !previous.has(label)).sort(([a], [b]) => a.localeCompare(b));
  const left = [...previous].filter(([label]) => !current.has(label)).sort(([a], [b]) => a.localeCompare(b));
  return [
    ...entered.map(([label, score]): ChangeEvent => ({ type: 'entered', label, score })),
    ...left.map(([label, score]): ChangeEvent => ({ type: 'left', label, score })),
  ];
}

function labelsOf(result: Result | undefined): Map<string, number> {
  if (result === undefined) return new Map();
  switch (result.kind) {
    case 'detect':
      return present(result.objects);
    case 'segment':
      return present(result.classes.filter((c) => c.fraction > 0));
    case 'pose': {
      const visible = result.keypoints.filter((k) => k.visible);
      return visible.length === 0 ? new Map() : new Map([['person', Math.max(...visible.map((k) => k.score))]]);
    }
    default:
      return new Map();
  }
}

/**
 * The changes from `previous` (undefined: the first result) to `current`. A result of another kind than
 * `previous` is compared with nothing. The first result of a classify or an anomalous scalar is a change.
 */
export function changes(previous: Result | undefined, current: Result, threshold: number): ChangeEvent[] {
  const before = previous?.kind === current.kind ? previous : undefined;
  switch (current.kind) {
    case 'classify': {
      const top = current.classes[0];
      const was = before?.kind === 'classify' ? before.classes[0] : undefined;
      if (top === undefined) return was === undefined ? [] : [{ type: 'left', label: labelOf(was), score: was.score }];
      if (was === undefined || labelOf(was) !== labelOf(top)) {
        return [{ type: 'class_changed', label: labelOf(top), score: top.score, previous: was === undefined ? null : labelOf(was) }];
      }
      if ((was.score >= threshold) !== (top.score >= threshold)) {
        return [{ type: top.score >= threshold ? 'score_above' : 'score_below', label: labelOf(top), score: top.score, threshold }];
      }
      return [];
    }
    case 'scalar': {
      const was = before?.kind === 'scalar' ? before.anomaly : false;
      if (was === current.anomaly) return [];
      return [{ type: current.anomaly ? 'anomaly' : 'normal', value: current.value }];
    }
    default:
      return presenceEvents(labelsOf(before), labelsOf(current));
  }
}

/** Class labels and class filters: label lookup with the label offset, `classes:` entries resolved to indices. */
import { mismatch } from './mismatch.js';

/** The label of class `index` (line `index + labelOffset`), or undefined when there is none. */
export function labelOf(index: number, labels: readonly string[] | undefined, labelOffset: number): string | undefined {
  return labels?.[index + labelOffset];
}

/**
 * Drops trailing empty lines (a labels file ending in newlines) so counts compare with the model's classes.
 * Empty lines inside the file stay: they keep the numbering.
 */
export function trimLabels(labels: readonly string[] | undefined): readonly string[] | undefined {
  if (labels === undefined) return undefined;
  let end = labels.length;
  while (end > 0 && labels[end - 1]!.trim() === '') end -= 1;
  return end === labels.length ? labels : labels.slice(0, end);
}

/**
 * Resolves `postprocess.classes` entries (labels, or class indices written as decimal strings) to class indices.
 * A label matches every class it names (duplicates in a file such as COCO's "???" placeholders). Returns
 * undefined for an empty list (all classes). `classCount` bounds indices when the output's shape gives it.
 */
export function resolveClassFilter(
  classes: readonly string[],
  labels: readonly string[] | undefined,
  labelOffset: number,
  modelName: string,
  classCount?: number,
): ReadonlySet<number> | undefined {
  if (classes.length === 0) return undefined;
  const indices = new Set<number>();
  classes.forEach((entry, at) => {
    const field = `postprocess.classes[${at}]`;
    const byLabel: number[] = [];
    labels?.forEach((label, line) => {
      if (label === entry && line >= labelOffset) byLabel.push(line - labelOffset);
    });
    if (byLabel.length > 0) {
      for (const index of byLabel) indices.add(index);
      return;
    }
    if (!/^(0|[1-9][0-9]*)$/.test(entry)) {
      throw mismatch(
        labels === undefined
          ? `${field}: "${entry}" is not a class index and ${modelName} has no labels (set model.labels, or give indices)`
          : `${field}: "${entry}" is neither a label of ${modelName} nor a class index`,
      );
    }
    const index = Number(entry);
    if (classCount !== undefined && index >= classCount) {
      throw mismatch(`${field}: class index ${index} is out of range: ${modelName} has ${classCount} classes (0-${classCount - 1})`);
    }
    indices.add(index);
  });
  return indices;
}

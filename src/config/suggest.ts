/**
 * "Did you mean ...?" for misspelt field names and values. People type `rezise`, `topK`, `Top-K`, `strech`:
 * candidates are compared case-insensitively with `_`, `-` and spaces ignored, then by edit distance
 * (Damerau-Levenshtein, optimal string alignment: a swap of two neighbouring letters counts as one edit).
 */

/** Lower case without `_`, `-`, spaces: `top_k`, `topK` and `Top-K` all become `topk`. */
export function normaliseName(text: string): string {
  return text.toLowerCase().replace(/[\s_-]+/g, '');
}

/** Edit distance between two strings (insert, delete, substitute, swap neighbours: 1 each). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i]!;
      const above = d[i - 1]!;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** Length of the common start of two strings. */
function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The candidate closest to `input`, or undefined when none is close: at most 1 edit for inputs of up to 5
 * letters, 2 up to 8, then a third of the length. Also close, ranked after those: a candidate that starts with
 * the input (4+ letters, `max_det`), or that shares a start of 5+ letters with it (`rotation` for `rotate`).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const wanted = normaliseName(input);
  if (!wanted) return undefined;
  const limit = wanted.length <= 5 ? 1 : wanted.length <= 8 ? 2 : Math.floor(wanted.length / 3);
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const normal = normaliseName(candidate);
    let distance = editDistance(wanted, normal);
    const shared = commonPrefix(wanted, normal);
    if (distance > limit && wanted.length >= 4 && normal.startsWith(wanted)) distance = limit;
    if (distance > limit && shared >= 5 && shared >= 0.6 * Math.min(wanted.length, normal.length)) distance = limit;
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** The class names of a model's labels from `labelOffset` on, without the blanks and `???` placeholders of COCO label files. */
export function knownLabels(labels: readonly string[] | undefined, labelOffset: number): string[] | undefined {
  return labels ? [...new Set(labels.slice(labelOffset).filter((l) => l !== '' && l !== '???'))] : undefined;
}

/**
 * Why `name`, in a list of classes of the config, names no class of the model: neither one of `known` (knownLabels)
 * nor a class index (below `classCount` when given); undefined when it names one. With a did-you-mean.
 */
export function classNameProblem(name: string, known: readonly string[] | undefined, modelName: string, classCount?: number): string | undefined {
  if (known?.includes(name)) return undefined;
  if (/^(0|[1-9][0-9]*)$/.test(name)) {
    const index = Number(name);
    return classCount !== undefined && index >= classCount ? `class index ${index} is out of range: ${modelName} has ${classCount} classes (0-${classCount - 1})` : undefined;
  }
  if (!known) return `"${name}" is not a class index and ${modelName} has no labels (set model.labels, or give indices)`;
  const close = closestMatch(name, known);
  return `"${name}" is not a label of ${modelName}${close ? `; did you mean "${close}"?` : ''}`;
}

export interface ScoredClass {
  index: number;
  label?: string;
  score: number;
}

/**
 * The k highest scores, best first (ties keep the lower index). `labelOffset` shifts the label lookup for
 * label files with an extra first line, such as a 1001-line ImageNet file used with a 1000-class model.
 */
export function topK(scores: ArrayLike<number>, k: number, labels?: readonly string[], labelOffset = 0): ScoredClass[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, Math.max(0, k)).map((index) => {
    const label = labels?.[index + labelOffset];
    return label === undefined ? { index, score: scores[index]! } : { index, label, score: scores[index]! };
  });
}

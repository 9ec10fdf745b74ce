/**
 * Whether `preprocess.mean`/`std` fit the quantisation of a quantised image input. A uint8 input with scale 1 and
 * zero point 0 takes raw pixels (the model normalises them itself, as MoveNet does): (pixel - mean) / std lands in
 * [-1, 1], two of its 256 steps, and the scores collapse with no error anywhere. Such a mismatch is reported.
 */
import type { PreprocessConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';

const range = (dtype: string): [number, number] | undefined =>
  dtype === 'uint8' ? [0, 255] : dtype === 'int8' ? [-128, 127] : dtype === 'int16' ? [-32768, 32767] : undefined;

/** The problem (`preprocess.mean: ...`), or undefined when they fit or cannot be judged. */
export function normalisationProblem(preprocess: PreprocessConfig, input: TensorInfo): string | undefined {
  const { mean, std } = preprocess;
  // A uint8 input without quantisation (MoveNet's) takes the pixels as they are: the model casts them itself.
  const q = input.quantization ?? (input.dtype === 'uint8' ? { scale: 1, zeroPoint: 0, scales: [1] } : undefined);
  const steps = range(input.dtype);
  if (!mean || !std || !q || !steps || q.scale <= 0 || q.scales.length > 1) return undefined;
  // The real values the input can take, and those (pixel - mean) / std gives for pixels 0-255, over all channels.
  const lo = q.scale * (steps[0] - q.zeroPoint);
  const hi = q.scale * (steps[1] - q.zeroPoint);
  const values = mean.flatMap((m, i) => {
    const s = std[i] ?? std[0]!;
    return [(0 - m) / s, (255 - m) / s];
  });
  const nlo = Math.min(...values);
  const nhi = Math.max(...values);
  const overlap = Math.max(0, Math.min(hi, nhi) - Math.max(lo, nlo));
  const usesRange = (nhi - nlo) / (hi - lo);
  if (overlap >= 0.5 * (nhi - nlo) && usesRange >= 0.1) return undefined;
  const fmt = (v: number): string => String(Number(v.toPrecision(3)));
  const given = `(pixel - mean) / std gives values in [${fmt(nlo)}, ${fmt(nhi)}]`;
  const takes = `the model's ${input.dtype} input "${input.name}" (${input.quantization ? `scale ${fmt(q.scale)}, zero point ${q.zeroPoint}` : 'not quantised'}) takes values in [${fmt(lo)}, ${fmt(hi)}]`;
  const raw = lo === 0 && Math.abs(hi - 255) < 1e-6 ? ': it takes raw pixels 0-255 and normalises them itself; remove mean and std' : '; change mean and std to fit, or remove them';
  return `preprocess.mean: ${given} but ${takes}${raw}`;
}

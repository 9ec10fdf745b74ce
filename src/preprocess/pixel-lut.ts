import type { Quantization } from '../runtime/tensor.js';

/** Per-channel mean and standard deviation on the 0-255 pixel scale, as TFLite metadata states them. */
export interface PixelNormalization {
  mean: number[];
  std: number[];
}

/**
 * The identity an 8-bit input was trained on (pixels as they are for uint8, p - 128 for int8), when the
 * stated normalisation lands within one quantisation step of it. TF1 quantised models carry metadata
 * mean 127.5 / std 127.5 while their input quantisation is 128 / 1/128: applying both literally shifts some
 * pixels by one step and moves scores (Egyptian cat 0.754 -> 0.750 on mobilenet_v2_1.0_224_quant); the
 * converter meant raw pixels.
 */
function identityShift(
  dtype: 'uint8' | 'int8' | 'float32',
  mean: number,
  std: number,
  quantization: Quantization | null,
): number | undefined {
  if (dtype === 'float32' || !quantization || quantization.scale <= 0) return undefined;
  const shift = dtype === 'uint8' ? 0 : -128;
  for (let p = 0; p < 256; p += 1) {
    const q = (p - mean) / std / quantization.scale + quantization.zeroPoint;
    if (Math.abs(q - (p + shift)) > 1) return undefined;
  }
  return shift;
}

/**
 * One lookup table per channel from an 8-bit pixel to the tensor's value: normalise ((p - mean) / std), then
 * quantise with the tensor's scale and zero point (Math.round: halves round up; clamp to the dtype's range).
 * For float tensors the table holds the normalised value. 256 entries x channels, built once per model.
 */
export function buildPixelLut(
  dtype: 'uint8' | 'int8' | 'float32',
  channels: number,
  normalization: PixelNormalization,
  quantization: Quantization | null,
): Float32Array[] {
  const [lo, hi] = dtype === 'uint8' ? [0, 255] : dtype === 'int8' ? [-128, 127] : [-Infinity, Infinity];
  const tables: Float32Array[] = [];
  for (let c = 0; c < channels; c += 1) {
    const mean = normalization.mean[normalization.mean.length === 1 ? 0 : c] ?? 0;
    const std = normalization.std[normalization.std.length === 1 ? 0 : c] ?? 1;
    const table = new Float32Array(256);
    const shift = identityShift(dtype, mean, std, quantization);
    for (let p = 0; p < 256; p += 1) {
      if (shift !== undefined) {
        table[p] = p + shift;
        continue;
      }
      const real = (p - mean) / std;
      if (dtype === 'float32') {
        table[p] = real;
      } else {
        // An 8-bit input without quantisation parameters takes the normalised value as it is (rounded, clamped).
        const q = quantization && quantization.scale > 0 ? Math.round(real / quantization.scale) + quantization.zeroPoint : Math.round(real);
        table[p] = Math.min(hi, Math.max(lo, q));
      }
    }
    tables.push(table);
  }
  return tables;
}

/**
 * The normalisation that maps pixels straight onto an 8-bit quantised input when a model states none:
 * uint8 inputs take pixels as they are (TF1 quantised models), int8 inputs take p - 128, float inputs p / 255.
 */
export function defaultNormalization(dtype: string, quantization: Quantization | null): PixelNormalization {
  if ((dtype === 'uint8' || dtype === 'int8') && quantization && quantization.scale > 0) {
    // Choose mean/std so that (p - mean) / std / scale + zp == p (uint8) or p - 128 (int8).
    const target = dtype === 'uint8' ? 0 : -128;
    const std = 1 / quantization.scale;
    const mean = (quantization.zeroPoint - target) * quantization.scale * std;
    return { mean: [mean], std: [std] };
  }
  if (dtype === 'uint8' || dtype === 'int8') return { mean: [dtype === 'int8' ? 128 : 0], std: [1] };
  return { mean: [0], std: [255] };
}

/** The tables of `buildPixelLut` as arrays of the tensor's own type, so the per-pixel store needs no conversion. */
export function typedPixelLut(
  dtype: 'uint8' | 'int8' | 'float32',
  channels: number,
  normalization: PixelNormalization,
  quantization: Quantization | null,
): Array<Uint8Array | Int8Array | Float32Array> {
  const Ctor = dtype === 'uint8' ? Uint8Array : dtype === 'int8' ? Int8Array : Float32Array;
  return buildPixelLut(dtype, channels, normalization, quantization).map((table) => Ctor.from(table));
}

// The arithmetic of the uint8 -> int8 rewrite: weights from asymmetric uint8 to symmetric int8 (per channel),
// biases to the new accumulator scale, constants and activations by a zero-point shift.

/** Symmetric int8 weights and their scales (one per channel, or one for the tensor). */
export interface Int8Weights {
  readonly values: Int8Array;
  readonly scales: number[];
}

/**
 * Requantises asymmetric uint8 weights (real = scale * (q - zeroPoint)) to symmetric int8 in [-127, 127].
 *
 * A channel whose centred values (q - zeroPoint) already fit in [-127, 127] keeps the original scale and its values
 * exactly; a wider one (up to 255 steps when the zero point sits at an end) gets scale * maxAbs / 127, the finest
 * step that holds it, and each value moves by at most half of that step.
 *
 * @param channelDim the axis of the per-channel scales; ignored (one scale) when `perChannel` is false
 */
export function requantizeWeights(
  data: Uint8Array, shape: readonly number[], scale: number, zeroPoint: number, channelDim: number, perChannel: boolean,
): Int8Weights {
  const channels = perChannel ? (shape[channelDim] ?? 1) : 1;
  const inner = perChannel ? shape.slice(channelDim + 1).reduce((n, d) => n * d, 1) : data.length;
  const channelOf = (i: number): number => (perChannel ? Math.floor(i / inner) % channels : 0);
  const maxAbs = new Array<number>(channels).fill(0);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    const v = Math.abs(data[i]! - zeroPoint);
    if (v > maxAbs[c]!) maxAbs[c] = v;
  }
  // Scales are stored as float32: compute with what TFLite will read.
  const scales = maxAbs.map((m) => Math.fround(m <= 127 ? scale : (scale * m) / 127));
  const values = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    const q = Math.round(((data[i]! - zeroPoint) * scale) / scales[c]!);
    values[i] = Math.max(-127, Math.min(127, q));
  }
  return { values, scales };
}

/**
 * Rescales int32 biases from the old accumulator scale (inputScale x weightScale) to the new one, per channel.
 *
 * @returns the new biases (rounded, saturated to int32) and their scales (float32 products, as TFLite checks them)
 */
export function rescaleBias(
  bias: Int32Array, oldScale: number, newInputScale: number, weightScales: readonly number[],
): { values: Int32Array; scales: number[] } {
  const perChannel = weightScales.length > 1;
  const scales = (perChannel ? weightScales : [weightScales[0]!]).map((w) => Math.fround(newInputScale * w));
  const values = new Int32Array(bias.length);
  for (let i = 0; i < bias.length; i++) {
    const s = scales[perChannel ? i : 0]!;
    const v = Math.round((bias[i]! * oldScale) / s);
    values[i] = Math.max(-2147483648, Math.min(2147483647, v));
  }
  return { values, scales: perChannel ? scales : scales.slice(0, 1) };
}

/** uint8 constants to int8 with the same scale: q - 128 (zero point - 128 too), the same bits with the top one flipped. */
export function shiftUint8ToInt8(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ 0x80;
  return out;
}

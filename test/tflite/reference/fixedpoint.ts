// TFLite's integer requantisation, bit for bit (TF 2.9, without TFLITE_SINGLE_ROUNDING):
// tensorflow/lite/kernels/internal/quantization_util.cc (QuantizeMultiplier) and common.h
// (MultiplyByQuantizedMultiplier), themselves gemmlowp's fixedpoint.h
// (SaturatingRoundingDoublingHighMul, RoundingDivideByPOT).

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const TWO_31 = 2147483648;

/** Round to nearest, exact halves to the even neighbour (IEEE's default; NEON's FCVTNS). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C's std::round / roundf: halves away from zero. Exact for any double. */
export function roundHalfAway(x: number): number {
  const a = Math.abs(x);
  const f = Math.floor(a);
  const r = a - f >= 0.5 ? f + 1 : f;
  return x < 0 ? -r : r;
}

/** C's frexp for finite x > 0: x = mantissa * 2^exponent with mantissa in [0.5, 1). */
export function frexp(x: number): [mantissa: number, exponent: number] {
  let e = Math.floor(Math.log2(x)) + 1;
  let m = x / 2 ** e;
  if (m >= 1) { m /= 2; e += 1; }
  if (m < 0.5) { m *= 2; e -= 1; }
  return [m, e];
}

/** A real multiplier as TFLite stores it: int32 Q31 significand and a power-of-two shift (left if > 0). */
export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * QuantizeMultiplier(double): significand rounded half away from zero, 2^31 folded into the shift.
 * (The shift > 30 clamp exists only with TFLITE_SINGLE_ROUNDING, not in the 2.9 library.)
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (real === 0) return { multiplier: 0, shift: 0 };
  const [q, e] = frexp(real);
  let shift = e;
  let fixed = roundHalfAway(q * TWO_31);
  if (fixed === TWO_31) { fixed /= 2; shift += 1; }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: fixed, shift };
}

/** gemmlowp SaturatingRoundingDoublingHighMul: (a * b * 2 + 2^31 rounding) >> 32, saturating. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C does
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero (0 ≤ exponent ≤ 31). */
export function roundingDivideByPOT(x: number, exponent: number): number {
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** MultiplyByQuantizedMultiplier(x, multiplier, shift): x * real multiplier in TFLite's fixed point. */
export function multiplyByQuantizedMultiplier(x: number, m: QuantizedMultiplier): number {
  const left = m.shift > 0 ? m.shift : 0;
  const right = m.shift > 0 ? 0 : -m.shift;
  // C multiplies int32 by 2^left with wrap-around; Math.imul does the same.
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(Math.imul(x, 2 ** left), m.multiplier), right);
}

/** MultiplyByQuantizedMultiplierSmallerThanOneExp (shift ≤ 0). */
export function multiplyByQuantizedMultiplierSmallerThanOne(x: number, m: QuantizedMultiplier): number {
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x, m.multiplier), -m.shift);
}

/** Integer range of a quantised type. */
export function typeRange(type: 'int8' | 'uint8' | 'int16'): [min: number, max: number] {
  if (type === 'int8') return [-128, 127];
  if (type === 'uint8') return [0, 255];
  return [-32768, 32767];
}

/**
 * CalculateActivationRangeQuantized: the clamp range of a fused activation in the output's
 * quantised domain (f / scale computed in float, as the kernel does).
 */
export function activationRange(
  activation: 'NONE' | 'RELU' | 'RELU6' | 'RELU_N1_TO_1', scale: number, zeroPoint: number, type: 'int8' | 'uint8' | 'int16',
): [min: number, max: number] {
  const [qmin, qmax] = typeRange(type);
  const q = (f: number): number => zeroPoint + roundHalfAway(Math.fround(f / Math.fround(scale)));
  switch (activation) {
    case 'NONE': return [qmin, qmax];
    case 'RELU': return [Math.max(qmin, q(0)), qmax];
    case 'RELU6': return [Math.max(qmin, q(0)), Math.min(qmax, q(6))];
    case 'RELU_N1_TO_1': return [Math.max(qmin, q(-1)), Math.min(qmax, q(1))];
  }
}

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

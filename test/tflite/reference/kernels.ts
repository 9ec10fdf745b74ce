// TFLite 2.9 CPU kernels for int8/uint8, re-implemented so test models have exact expected
// outputs. Each follows the kernel the builtin op resolver runs on x86 (optimized_ops are
// bit-exact with reference_ops for these, except SOFTMAX which uses a float lookup table):
// reference_integer_ops/{fully_connected,conv,depthwise_conv,pooling,add}.h,
// optimized_ops.h Softmax(SoftmaxParams, In*, Out*) and PopulateSoftmaxLookupTable,
// reference_ops/{quantize,dequantize}.h. Arrays are NHWC, row-major.
import {
  clamp, multiplyByQuantizedMultiplier, multiplyByQuantizedMultiplierSmallerThanOne, quantizeMultiplier, roundHalfAway, roundHalfEven,
  type QuantizedMultiplier,
} from './fixedpoint.js';

export type QuantType = 'int8' | 'uint8';
export type Padding = 'SAME' | 'VALID';
type Ints = ArrayLike<number>;

/** Per-tensor FC multiplier: the scale product is taken in float (kernel_util.cc GetQuantizedConvolutionMultipler). */
export function fullyConnectedMultiplier(inputScale: number, weightScale: number, outputScale: number): QuantizedMultiplier {
  return quantizeMultiplier(Math.fround(inputScale * weightScale) / outputScale);
}

/** Per-channel conv multiplier: all in double (PopulateConvolutionQuantizationParams). */
export function convMultiplier(inputScale: number, weightScale: number, outputScale: number): QuantizedMultiplier {
  return quantizeMultiplier((inputScale * weightScale) / outputScale);
}

/** Output size for a padding mode (ComputeOutSize). */
export function outputSize(padding: Padding, input: number, filter: number, stride: number, dilation = 1): number {
  const effective = (filter - 1) * dilation + 1;
  return Math.trunc(padding === 'SAME' ? (input + stride - 1) / stride : (input + stride - effective) / stride);
}

/** Padding before the first element (ComputePaddingWithOffset; the odd extra goes after). */
export function paddingBefore(input: number, filter: number, stride: number, dilation: number, output: number): number {
  const effective = (filter - 1) * dilation + 1;
  return Math.trunc(Math.max(0, (output - 1) * stride + effective - input) / 2);
}

export interface FullyConnectedArgs {
  readonly input: Ints; readonly inputZeroPoint: number; readonly batches: number; readonly depth: number;
  /** [units, depth] */
  readonly weights: Ints; readonly weightsZeroPoint: number; readonly units: number;
  readonly bias?: Ints;
  readonly multiplier: QuantizedMultiplier; readonly outputZeroPoint: number; readonly range: readonly [number, number];
}

export function fullyConnected(a: FullyConnectedArgs): Int32Array {
  const out = new Int32Array(a.batches * a.units);
  for (let b = 0; b < a.batches; b++) {
    for (let u = 0; u < a.units; u++) {
      let acc = 0;
      for (let d = 0; d < a.depth; d++) {
        acc += ((a.weights[u * a.depth + d] ?? 0) - a.weightsZeroPoint) * ((a.input[b * a.depth + d] ?? 0) - a.inputZeroPoint);
      }
      acc += a.bias?.[u] ?? 0;
      const v = multiplyByQuantizedMultiplier(acc, a.multiplier) + a.outputZeroPoint;
      out[b * a.units + u] = clamp(v, a.range[0], a.range[1]);
    }
  }
  return out;
}

export interface ConvGeometry {
  readonly padding: Padding;
  readonly strideH: number; readonly strideW: number;
  readonly dilationH?: number; readonly dilationW?: number;
}

export interface ConvArgs {
  readonly input: Ints; readonly inputShape: readonly [number, number, number, number]; readonly inputZeroPoint: number;
  /** CONV_2D: [outC, fh, fw, inC]; DEPTHWISE_CONV_2D: [1, fh, fw, outC]. Zero point 0 (symmetric). */
  readonly filter: Ints; readonly filterShape: readonly [number, number, number, number];
  readonly bias?: Ints;
  readonly multipliers: readonly QuantizedMultiplier[]; readonly outputZeroPoint: number; readonly range: readonly [number, number];
  readonly geometry: ConvGeometry;
}

export interface ConvResult { readonly output: Int32Array; readonly shape: [number, number, number, number] }

/** reference_integer_ops::ConvPerChannel (also DepthwiseConvPerChannel with `depthwise`). */
export function conv2d(a: ConvArgs, depthwise = false): ConvResult {
  const [n, h, w, c] = a.inputShape;
  const [f0, fh, fw, f3] = a.filterShape;
  const outC = depthwise ? f3 : f0;
  const depthMultiplier = depthwise ? outC / c : 1;
  const g = a.geometry;
  const dh = g.dilationH ?? 1;
  const dw = g.dilationW ?? 1;
  const oh = outputSize(g.padding, h, fh, g.strideH, dh);
  const ow = outputSize(g.padding, w, fw, g.strideW, dw);
  const padH = paddingBefore(h, fh, g.strideH, dh, oh);
  const padW = paddingBefore(w, fw, g.strideW, dw, ow);
  const out = new Int32Array(n * oh * ow * outC);
  const at = (b: number, y: number, x: number, ch: number): number => a.input[((b * h + y) * w + x) * c + ch] ?? 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let oc = 0; oc < outC; oc++) {
          let acc = 0;
          for (let ky = 0; ky < fh; ky++) {
            const iy = oy * g.strideH - padH + dh * ky;
            for (let kx = 0; kx < fw; kx++) {
              const ix = ox * g.strideW - padW + dw * kx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue; // taps in the padding contribute nothing
              if (depthwise) {
                const ic = Math.floor(oc / depthMultiplier);
                acc += (a.filter[(ky * fw + kx) * outC + oc] ?? 0) * (at(b, iy, ix, ic) - a.inputZeroPoint);
              } else {
                for (let ic = 0; ic < c; ic++) {
                  acc += (a.filter[((oc * fh + ky) * fw + kx) * c + ic] ?? 0) * (at(b, iy, ix, ic) - a.inputZeroPoint);
                }
              }
            }
          }
          acc += a.bias?.[oc] ?? 0;
          const m = a.multipliers[oc] ?? a.multipliers[0];
          if (m === undefined) throw new Error('conv2d: no multipliers');
          const v = multiplyByQuantizedMultiplier(acc, m) + a.outputZeroPoint;
          out[((b * oh + oy) * ow + ox) * outC + oc] = clamp(v, a.range[0], a.range[1]);
        }
      }
    }
  }
  return { output: out, shape: [n, oh, ow, outC] };
}

export interface PoolArgs {
  readonly input: Ints; readonly inputShape: readonly [number, number, number, number];
  readonly filterH: number; readonly filterW: number; readonly strideH: number; readonly strideW: number;
  readonly padding: Padding; readonly range: readonly [number, number];
}

/** reference_integer_ops::AveragePool: sum over in-image taps, divided rounding half away from zero. */
export function averagePool(a: PoolArgs): ConvResult {
  const [n, h, w, c] = a.inputShape;
  const oh = outputSize(a.padding, h, a.filterH, a.strideH);
  const ow = outputSize(a.padding, w, a.filterW, a.strideW);
  const padH = paddingBefore(h, a.filterH, a.strideH, 1, oh);
  const padW = paddingBefore(w, a.filterW, a.strideW, 1, ow);
  const out = new Int32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const y0 = oy * a.strideH - padH;
        const x0 = ox * a.strideW - padW;
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          let count = 0;
          for (let y = Math.max(0, y0); y < Math.min(h, y0 + a.filterH); y++) {
            for (let x = Math.max(0, x0); x < Math.min(w, x0 + a.filterW); x++) {
              acc += a.input[((b * h + y) * w + x) * c + ch] ?? 0;
              count++;
            }
          }
          const half = Math.trunc(count / 2);
          const avg = Math.trunc(acc > 0 ? (acc + half) / count : (acc - half) / count);
          out[((b * oh + oy) * ow + ox) * c + ch] = clamp(avg, a.range[0], a.range[1]);
        }
      }
    }
  }
  return { output: out, shape: [n, oh, ow, c] };
}

export interface AddArgs {
  readonly a: Ints; readonly aScale: number; readonly aZeroPoint: number;
  readonly b: Ints; readonly bScale: number; readonly bZeroPoint: number;
  readonly outputScale: number; readonly outputZeroPoint: number; readonly range: readonly [number, number];
}

/** 8-bit ADD (add.cc Prepare + reference_integer_ops::AddElementwise), same shapes, no broadcast. */
export function addQuantized(p: AddArgs): Int32Array {
  const leftShift = 20;
  const twiceMax = 2 * Math.max(p.aScale, p.bScale);
  const m1 = quantizeMultiplier(p.aScale / twiceMax);
  const m2 = quantizeMultiplier(p.bScale / twiceMax);
  const mOut = quantizeMultiplier(twiceMax / Math.fround((1 << leftShift) * p.outputScale));
  const out = new Int32Array(p.a.length);
  for (let i = 0; i < p.a.length; i++) {
    const x = multiplyByQuantizedMultiplierSmallerThanOne(((p.a[i] ?? 0) - p.aZeroPoint) * (1 << leftShift), m1);
    const y = multiplyByQuantizedMultiplierSmallerThanOne(((p.b[i] ?? 0) - p.bZeroPoint) * (1 << leftShift), m2);
    const v = multiplyByQuantizedMultiplierSmallerThanOne(x + y, mOut) + p.outputZeroPoint;
    out[i] = clamp(v, p.range[0], p.range[1]);
  }
  return out;
}

export interface SoftmaxArgs {
  readonly input: Ints; readonly rowSize: number; readonly inputScale: number; readonly beta: number;
  readonly outputScale: number; readonly outputZeroPoint: number; readonly type: QuantType;
}

/**
 * 8-bit SOFTMAX as optimized_ops::Softmax runs it on x86: exp() from a 256-entry float table,
 * float sums, then round half away from zero (int8) or +0.5f and truncate (uint8, non-aarch64).
 */
export function softmaxQuantized(p: SoftmaxArgs): Int32Array {
  const f = Math.fround;
  const scale = f(-f(p.inputScale) * f(p.beta));
  const table = new Float32Array(256);
  for (let v = 0; v <= 255; v++) table[255 - v] = f(Math.exp(f(scale * v)));
  const [lo, hi] = p.type === 'int8' ? [-128, 127] : [0, 255];
  const out = new Int32Array(p.input.length);
  for (let row = 0; row < p.input.length; row += p.rowSize) {
    let max = lo;
    for (let j = 0; j < p.rowSize; j++) max = Math.max(max, p.input[row + j] ?? lo);
    const exp = (j: number): number => table[255 - max + (p.input[row + j] ?? 0)] ?? 0;
    let sum = 0;
    for (let j = 0; j < p.rowSize; j++) sum = f(sum + exp(j));
    const inv = f(1 / f(sum * f(p.outputScale)));
    for (let j = 0; j < p.rowSize; j++) {
      const prob = f(exp(j) * inv);
      const q = p.type === 'uint8' ? Math.trunc(f(prob + 0.5)) : roundHalfAway(prob) + p.outputZeroPoint;
      out[row + j] = clamp(q, lo, hi);
    }
  }
  return out;
}

/**
 * QUANTIZE float32 → int8/uint8 (AffineQuantize): QuantizationParams.scale is a double, so
 * x / scale is a double division (not float), then rounded half away from zero on x86; TFLite's arm64
 * build rounds exact halves to even (measured under qemu-user with the linux_arm64 library).
 */
export function quantize(input: ArrayLike<number>, scale: number, zeroPoint: number, type: QuantType, arch: string = process.arch): Int32Array {
  const [lo, hi] = type === 'int8' ? [-128, 127] : [0, 255];
  const round = arch === 'arm64' ? roundHalfEven : roundHalfAway;
  return Int32Array.from(input, (x) => clamp(round(Math.fround(x) / Math.fround(scale)) + zeroPoint, lo, hi));
}

/** DEQUANTIZE int8/uint8 → float32: (float)(double(scale) * (q - zeroPoint)). */
export function dequantize(input: Ints, scale: number, zeroPoint: number): Float32Array {
  return Float32Array.from(input, (q) => Math.fround(Math.fround(scale) * (q - zeroPoint)));
}

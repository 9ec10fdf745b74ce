import type { TensorArray } from '../runtime/dtypes.js';
import type { Quantization } from '../runtime/tensor.js';

/**
 * Real values of a tensor: scale * (q - zeroPoint) for quantised tensors (per-tensor parameters; per-channel
 * outputs are not produced by the models edgepipe targets), the values themselves otherwise.
 */
export function dequantize(values: TensorArray, quantization: Quantization | null): Float64Array {
  const out = new Float64Array(values.length);
  const quantized = quantization !== null && quantization.scale > 0;
  const scale = quantized ? quantization.scale : 1;
  const zeroPoint = quantized ? quantization.zeroPoint : 0;
  for (let i = 0; i < values.length; i += 1) out[i] = (Number(values[i]) - zeroPoint) * scale;
  return out;
}

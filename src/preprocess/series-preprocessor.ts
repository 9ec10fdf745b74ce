/**
 * Windows of sensor samples into the input tensor: per-channel normalisation (none, over the window, or fixed from
 * training), the tensor's layout (time-major or channel-major), then quantisation to its type. The window is
 * small next to an image: one pass, no allocation per frame beyond two per-channel arrays.
 */
import type { WindowConfig } from '../config/types.js';
import type { SeriesPayload } from '../core/frame.js';
import type { TensorArray } from '../runtime/dtypes.js';
import { EdgepipeError } from '../runtime/errors.js';
import { describeTensor, type TensorInfo } from '../runtime/tensor.js';

export interface SeriesPreprocessor {
  /** Writes the window into `target` (the input's typed view). */
  run(window: SeriesPayload, target: TensorArray): void;
}

const writable = ['int8', 'uint8', 'int16', 'float32'] as const;
type WritableDtype = (typeof writable)[number];
const ranges: Record<Exclude<WritableDtype, 'float32'>, [number, number]> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };

function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Why this input cannot take windows of `steps` x `channels`, or undefined when it can. */
export function seriesInputMismatch(input: TensorInfo, steps: number, channels: number, window: WindowConfig): string | undefined {
  if (!(writable as readonly string[]).includes(input.dtype)) {
    return `input ${input.name} is ${describeTensor(input)}; sensor windows can fill ${writable.join(', ')} inputs`;
  }
  const elements = elementCount(input.shape);
  if (elements !== steps * channels) {
    return (
      `input ${input.name} is ${describeTensor(input)} (${elements} values) but the window gives ${steps} steps x ${channels} ` +
      `channel${channels === 1 ? '' : 's'} = ${steps * channels}; set window.length to ${elements % channels === 0 ? elements / channels : `a divisor of ${elements}`}` +
      (elements % channels === 0 ? '' : ' and match the channel count')
    );
  }
  if (window.normalize === 'fixed' && (window.mean!.length !== channels || window.std!.length !== channels)) {
    return `window.mean and window.std need one value per channel (${channels}); they have ${window.mean!.length} and ${window.std!.length}`;
  }
  return undefined;
}

export function createSeriesPreprocessor(window: WindowConfig, channels: number, input: TensorInfo): SeriesPreprocessor {
  const problem = seriesInputMismatch(input, window.length, channels, window);
  if (problem) throw new EdgepipeError('ERR_PREPROCESS_INPUT', problem, { exitCode: 2 });
  const dtype = input.dtype as WritableDtype;
  const q = input.quantization;
  const quantized = dtype !== 'float32' && q !== null && q.scale > 0;
  const scale = quantized ? q.scale : 1;
  const zeroPoint = quantized ? q.zeroPoint : 0;
  const [low, high] = dtype === 'float32' ? [-Infinity, Infinity] : ranges[dtype];
  const channelMajor = window.layout === 'channels_steps';
  const offset = new Float64Array(channels);
  const gain = new Float64Array(channels).fill(1);

  function fitNormalisation(values: Float32Array, steps: number): void {
    if (window.normalize === 'fixed') {
      for (let c = 0; c < channels; c += 1) {
        offset[c] = window.mean![c]!;
        gain[c] = 1 / window.std![c]!;
      }
      return;
    }
    if (window.normalize === 'none') return;
    for (let c = 0; c < channels; c += 1) {
      let sum = 0;
      for (let s = 0; s < steps; s += 1) sum += values[s * channels + c]!;
      const mean = sum / steps;
      let squares = 0;
      for (let s = 0; s < steps; s += 1) squares += (values[s * channels + c]! - mean) ** 2;
      const std = Math.sqrt(squares / steps);
      offset[c] = mean;
      // A flat channel (a sensor at rest) normalises to zeros rather than dividing by zero.
      gain[c] = std > 1e-12 ? 1 / std : 0;
    }
  }

  return {
    run(payload: SeriesPayload, target: TensorArray): void {
      const { steps, values } = payload;
      if (payload.channels.length !== channels || steps !== window.length) {
        throw new EdgepipeError('ERR_PREPROCESS_INPUT', `internal: a window of ${steps} x ${payload.channels.length} for a ${window.length} x ${channels} input`);
      }
      fitNormalisation(values, steps);
      for (let s = 0; s < steps; s += 1) {
        for (let c = 0; c < channels; c += 1) {
          const real = (values[s * channels + c]! - offset[c]!) * gain[c]!;
          const at = channelMajor ? c * steps + s : s * channels + c;
          if (dtype === 'float32') {
            (target as Float32Array)[at] = real;
          } else {
            const level = Math.round(real / scale) + zeroPoint;
            (target as Int8Array)[at] = level < low ? low : level > high ? high : level;
          }
        }
      }
    },
  };
}

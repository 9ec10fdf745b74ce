/**
 * A PreprocessConfig checked against the model's input tensor and fully defaulted: what every frame of a
 * pipeline does. Mismatches are collected and thrown together as one ERR_PREPROCESS_MISMATCH (exit code 2);
 * the engine's `validate` command relies on these messages.
 */
import type { ColourOrder, PreprocessConfig } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { checkPreprocessConfig } from './config-checks.js';
import type { GeometrySettings } from './frame-plan.js';
import { describeInput, resolveImageTensor, type ImageTensor } from './image-tensor.js';
import { defaultNormalization, type PixelNormalization } from './pixel-lut.js';

/** sharp's resampling kernels (sharp.kernel). Production uses lanczos3, sharp's default. */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3' | 'mks2013' | 'mks2021';

/** What the model states about its image input (TFLite metadata). */
export interface ModelImageDefaults {
  /** Per-channel mean and std on the 0-255 pixel scale. */
  normalization?: PixelNormalization | undefined;
}

/** Where the normalisation came from, for `validate` and logs. */
export type NormalizationSource = 'config' | 'metadata' | 'dtype';

export interface PreprocessPlan extends GeometrySettings {
  inputName: string;
  tensor: ImageTensor;
  colour: ColourOrder;
  normalization: PixelNormalization;
  normalizationSource: NormalizationSource;
  padColour: readonly [number, number, number];
  kernel: ResizeKernel;
}

/** Config and model disagree; `problems` lists each disagreement as one sentence naming the field. */
export class PreprocessMismatchError extends EdgepipeError {
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super('ERR_PREPROCESS_MISMATCH', problems.join('; '), { exitCode: 2 });
    this.problems = problems;
  }
}

function channelWord(n: number): string {
  return n === 1 ? '1 channel' : `${n} channels`;
}

function countProblem(field: string, values: readonly number[], tensor: ImageTensor, info: TensorInfo, fix?: string): string | undefined {
  if (values.length === 1 || values.length === tensor.channels) return undefined;
  const want = tensor.channels === 1 ? 'give 1 value' : `give 1 or ${tensor.channels} values`;
  return `${field}: has ${values.length} values but ${describeInput(info)} with ${channelWord(tensor.channels)} (${fix ?? want})`;
}

function resolveNormalization(
  config: PreprocessConfig,
  defaults: ModelImageDefaults,
  tensor: ImageTensor,
  info: TensorInfo,
  problems: string[],
): { normalization: PixelNormalization; source: NormalizationSource } {
  if (config.mean !== undefined || config.std !== undefined) {
    // One given without the other: the missing one is the identity (mean 0, std 1), as `infer --mean/--std`.
    const normalization = { mean: [...(config.mean ?? [0])], std: [...(config.std ?? [1])] };
    for (const [field, values] of [['preprocess.mean', normalization.mean], ['preprocess.std', normalization.std]] as const) {
      const problem = countProblem(field, values, tensor, info);
      if (problem) problems.push(problem);
    }
    return { normalization, source: 'config' };
  }
  if (defaults.normalization) {
    const normalization = { mean: [...defaults.normalization.mean], std: [...defaults.normalization.std] };
    const fix = 'set preprocess.mean and preprocess.std';
    for (const [field, values] of [['model metadata normalization.mean', normalization.mean], ['model metadata normalization.std', normalization.std]] as const) {
      const problem = values.length === 0 || values.some((v) => !Number.isFinite(v)) || (field.endsWith('std') && values.includes(0))
        ? `${field}: ${JSON.stringify(values)} is not usable (${fix})`
        : countProblem(field, values, tensor, info, fix);
      if (problem) problems.push(problem);
    }
    return { normalization, source: 'metadata' };
  }
  return { normalization: defaultNormalization(tensor.dtype, info.quantization), source: 'dtype' };
}

/**
 * Checks `config` against `input` and resolves the defaults: colour from the channel count (1 -> gray,
 * 3 -> rgb), layout from the shape, normalisation from the config, else `defaults.normalization` (model
 * metadata), else `defaultNormalization` for the dtype.
 * Throws ERR_INVALID_OPTION for a malformed field, PreprocessMismatchError for config/model disagreements.
 */
export function createPreprocessPlan(
  config: PreprocessConfig,
  input: TensorInfo,
  defaults: ModelImageDefaults = {},
  kernel: ResizeKernel = 'lanczos3',
): PreprocessPlan {
  checkPreprocessConfig(config);
  const resolved = resolveImageTensor(input, config.layout);
  if (!resolved.tensor) throw new PreprocessMismatchError(resolved.problems);
  const tensor = resolved.tensor;
  const problems: string[] = [];
  const colour = config.colour ?? (tensor.channels === 1 ? 'gray' : 'rgb');
  if (colour === 'gray' && tensor.channels !== 1) {
    problems.push(`preprocess.colour: "gray" needs a 1-channel input but ${describeInput(input)}`);
  } else if (colour !== 'gray' && tensor.channels !== 3) {
    problems.push(`preprocess.colour: "${colour}" needs a 3-channel input but ${describeInput(input)}`);
  }
  const q = input.quantization;
  if (tensor.dtype !== 'float32' && q && q.scales.length > 1) {
    problems.push(
      `preprocess: ${describeInput(input)}, quantised per channel (${q.scales.length} scales on axis ${q.axis}); ` +
        'image inputs need one scale and zero point',
    );
  }
  const { normalization, source } = resolveNormalization(config, defaults, tensor, input, problems);
  if (problems.length > 0) throw new PreprocessMismatchError(problems);
  return {
    inputName: input.name,
    tensor,
    tensorWidth: tensor.width,
    tensorHeight: tensor.height,
    resize: config.resize,
    rotate: config.rotate,
    flip: config.flip,
    roi: config.roi ? { ...config.roi } : undefined,
    colour,
    normalization,
    normalizationSource: source,
    padColour: [config.padColour[0], config.padColour[1], config.padColour[2]],
    kernel,
  };
}

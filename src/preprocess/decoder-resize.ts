/**
 * Whether a camera's decoder (ffmpeg) may resize frames to the model's input size, so that the preprocessor only
 * quantises: the costliest part of a frame outside inference once the detector runs on XNNPACK (on the shared
 * 768x432 videos sharp's resize took 3.4-4.2 ms of CPU a frame and ffmpeg's full-size RGB a 1 MB pipe copy;
 * docs/benchmarks.md, "Resizing in the decoder").
 *
 * Only when the resize is the whole preprocessing geometry (`fill` of the whole frame, no roi, rotation or flip: the
 * result's coordinates then map back to the full frame by scaling alone) and nothing after inference reads the
 * frame's pixels: motion (the difference of full frames), tracking (each track's best picture), a cascade (crops),
 * any sink that may ask for the frame (snapshots, the live view: `wantsFrame` defined, even if false now), and
 * stages added from outside the config. Zones and masks only need the frame's size, which frames still carry.
 */
import type { PipelineConfig } from '../config/types.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { resolveImageTensor } from './image-tensor.js';

/** Why the decoder does not resize, or the size it resizes to. */
export type DecoderResizeDecision = { width: number; height: number } | { reason: string };

export interface DecoderResizeContext {
  /** The sinks as built (configured and extra ones): one that defines `wantsFrame` reads frames. */
  sinks: ReadonlyArray<{ readonly wantsFrame?: boolean }>;
  /** Stages added from outside the config (tests, experiments) may read pixels. */
  extraStages: boolean;
}

export function decoderResize(config: PipelineConfig, input: TensorInfo, context: DecoderResizeContext): DecoderResizeDecision {
  const source = config.source;
  if (source.kind !== 'camera') return { reason: `the source is ${source.kind}` };
  if (source.command) return { reason: 'the camera is a command, not ffmpeg' };
  if (source.output === 'mjpeg' || source.output === 'gray8') return { reason: `output ${source.output}` };
  if (source.decoderResize === false) return { reason: 'decoder_resize: false' };
  const p = config.preprocess;
  if (p.resize !== 'fill') return { reason: `preprocess.resize ${p.resize}` };
  if (p.roi) return { reason: 'preprocess.roi' };
  if (p.rotate !== 0 || p.flip !== 'none') return { reason: 'preprocess.rotate/flip' };
  const { tensor } = resolveImageTensor(input, p.layout);
  if (!tensor || tensor.channels !== 3) return { reason: 'the model input is not a 3-channel image' };
  if (config.motion) return { reason: 'motion reads full frames' };
  if (config.track) return { reason: 'tracking keeps full-frame pictures' };
  if ((config.cascade ?? []).length > 0) return { reason: 'cascade crops full frames' };
  if (context.sinks.some((sink) => sink.wantsFrame !== undefined)) return { reason: 'a sink reads frames' };
  if (context.extraStages) return { reason: 'stages from outside the config' };
  return { width: tensor.width, height: tensor.height };
}

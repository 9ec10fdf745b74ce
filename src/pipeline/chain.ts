/**
 * The fixed chain of every pipeline: preprocessing into a staging tensor, then one inference and postprocessing
 * per frame. The scheduler (frame-scheduler.ts) decides when each runs; stages (src/stages) run around it.
 */
import type { PipelineConfig } from '../config/types.js';
import { isSensorSource, sensorChannels } from '../config/sensor-channels.js';
import type { Frame, FramePayload, ImageGeometry, Prediction } from '../core/frame.js';
import type { Box, Result } from '../core/result.js';
import { isSupportedDtype, type TensorArray } from '../runtime/dtypes.js';
import type { Model } from '../runtime/model.js';
import type { RepeatLimiter } from '../runtime/repeat-limiter.js';
import { createImagePreprocessor } from '../preprocess/index.js';
import { createSeriesPreprocessor } from '../preprocess/series-preprocessor.js';
import type { Postprocessor } from '../postprocess/types.js';
import type { ModelRunner } from './model-runner.js';
import type { PipelineStats } from './stats.js';
import { mergeCropResults, releaseCrops, type CropMerge, type CropTensors, type PreparedCrop } from './region-chain.js';

/**
 * Writes a frame's payload into a staging tensor; image frames return how tensor points map back to pixels. `roi`
 * (images): the crop of the frame to use instead of `preprocess.roi`.
 */
export type Preprocess = (payload: FramePayload, target: TensorArray, roi?: Box) => Promise<ImageGeometry | undefined>;

/** A frame preprocessed into staging slot `slot`, waiting for an interpreter. */
export interface Prepared {
  slot: number;
  frame: Frame;
  geometry: ImageGeometry | undefined;
  queueMs: number;
  preprocessMs: number;
  /** performance.now() when preprocessing ended: the `wait` stage starts there. */
  preparedMonoMs: number;
  /** Inferred as these crops (region-chain.ts), the first in the staging slot; `geometry` is the first's. */
  crops?: PreparedCrop[];
}

/** A frame's prediction, with the frame itself for the result stages. */
export interface Inferred {
  prediction: Prediction;
  frame: Frame;
}

/** The preprocessor for the configured source: sensor windows or images, into the model's frame input. */
export function buildPreprocess(config: PipelineConfig, model: Model, runner: ModelRunner): Preprocess {
  const input = runner.inputs[runner.frameInput]!;
  const source = config.source;
  if (isSensorSource(source)) {
    const series = createSeriesPreprocessor(source.window, sensorChannels(source).length, input);
    return async (payload, target) => {
      if (payload.kind !== 'series') throw new Error(`internal: an image frame from the sensor source ${source.kind}`);
      series.run(payload, target);
      return undefined;
    };
  }
  const normalization = model.info.metadata?.inputs[runner.frameInput]?.normalization;
  const image = createImagePreprocessor(config.preprocess, input, {
    ...(normalization ? { normalization: { mean: [...normalization.mean], std: [...normalization.std] } } : {}),
  });
  return (payload, target, roi) => {
    if (payload.kind === 'series') throw new Error(`internal: a sensor window from the image source ${source.kind}`);
    return image.run(payload, target, roi);
  };
}

/** What the infer step needs from its pipeline. */
export interface InferParts {
  pipeline: string;
  runner: ModelRunner;
  staging: readonly TensorArray[];
  postprocessor: Postprocessor;
  model: { file: string; sha256: string };
  stats: PipelineStats;
  dropLog: RepeatLimiter;
  /** Read when the frame is done: a pipeline paused meanwhile makes no prediction. */
  paused: () => boolean;
  /** Attach the frame's payload to the prediction (a sink wants it: snapshots). */
  attachFrames: boolean;
  /** Frames inferred as crops: where their tensors go back, and how their detections merge. */
  crops?: { tensors: CropTensors; merge: CropMerge };
}

/**
 * Infers one prepared frame and postprocesses the outputs: the prediction, or undefined when the frame was
 * dropped (counted: infer_error, infer_timeout, postprocess_error, paused). Calls `releaseSlot` once the staging
 * slot's bytes are in the interpreter. The caller records the latency when the prediction reaches the sinks.
 */
export async function inferFrame(prepared: Prepared, releaseSlot: () => void, parts: InferParts): Promise<Inferred | undefined> {
  const { runner, stats } = parts;
  const crops = parts.crops && prepared.crops && prepared.crops.length > 0 ? prepared.crops : undefined;
  const inputs = crops ?? [{ tensor: parts.staging[prepared.slot]!, geometry: prepared.geometry }];
  const interpreter = await runner.acquire();
  try {
    let inferStart = 0;
    // Crops: the invokes, and the input copies of the crops after the first, summed (docs/analytics.md).
    let inferMs = 0;
    const results: Result[] = [];
    for (const [i, input] of inputs.entries()) {
      const copyStart = performance.now();
      // One copy of the input's bytes per frame is the price of preparing the next frame during this invoke.
      interpreter.setInput(runner.frameInput, input.tensor);
      if (i === 0) releaseSlot();
      const invokeStart = performance.now();
      if (i === 0) inferStart = invokeStart;
      else inferMs += invokeStart - copyStart;
      const outcome = await runner.invoke(interpreter);
      inferMs += performance.now() - invokeStart;
      if (!outcome.ok) {
        stats.drop(outcome.reason === 'timeout' ? 'infer_timeout' : 'infer_error');
        parts.dropLog.log(outcome.reason, `pipeline ${parts.pipeline}: frame ${prepared.frame.id} dropped: ${outcome.message}`);
        return undefined;
      }
      try {
        const infos = interpreter.outputs;
        const values = infos.map((info, k) => (isSupportedDtype(info.dtype) ? interpreter.output(k) : new Uint8Array(0)));
        results.push(await parts.postprocessor.run({ infos, values }, input.geometry, { id: prepared.frame.id, pipeline: parts.pipeline }));
      } catch (error) {
        stats.drop('postprocess_error');
        parts.dropLog.log('postprocess', `pipeline ${parts.pipeline}: frame ${prepared.frame.id} dropped (postprocess): ${(error as Error).message}`);
        return undefined;
      }
    }
    let result: Result;
    try {
      result = crops ? mergeCropResults(crops, results, parts.crops!.merge) : results[0]!;
    } catch (error) {
      stats.drop('postprocess_error');
      parts.dropLog.log('postprocess', `pipeline ${parts.pipeline}: frame ${prepared.frame.id} dropped (postprocess): ${(error as Error).message}`);
      return undefined;
    }
    const postEnd = performance.now();
    if (parts.paused()) {
      stats.drop('paused');
      return undefined;
    }
    const frame = prepared.frame;
    // Each stage ends where the next begins, so the stages add up to total (no time goes unreported): with crops,
    // postprocess is what of the span from the first invoke on was not infer (each crop's postprocess, the merge).
    const latencyMs = {
      queue: prepared.queueMs,
      preprocess: prepared.preprocessMs,
      wait: inferStart - prepared.preparedMonoMs,
      infer: inferMs,
      postprocess: postEnd - inferStart - inferMs,
      total: postEnd - frame.capturedMonoMs,
    };
    const prediction: Prediction = {
      pipeline: parts.pipeline,
      frameId: frame.id,
      source: frame.source,
      capturedWallMs: frame.capturedWallMs,
      latencyMs,
      model: { file: parts.model.file, sha256: parts.model.sha256 },
      delegate: runner.delegate,
      meta: frame.meta,
      result,
      ...(parts.attachFrames ? { frame: frame.payload } : {}),
      ...(prepared.geometry ? { frameSize: { width: prepared.geometry.sourceWidth, height: prepared.geometry.sourceHeight } } : {}),
    };
    return { prediction, frame };
  } finally {
    runner.release(interpreter);
    if (crops) releaseCrops(crops, parts.crops!.tensors);
  }
}

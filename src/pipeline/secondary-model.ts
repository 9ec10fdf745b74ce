/**
 * Second models for stages (StageContext.openModel, used by cascades): one interpreter through the same
 * ModelRunner as the pipeline's model (delegate chain, invoke timeout, failover, re-probing), the same image
 * preprocessor (crop -> resize -> colour -> normalise/quantise), and the classify postprocessor. The checks that
 * make a model unfit for crops (no image input, outputs classify cannot read) are shared with `edgepipe validate`.
 */
import sharp from 'sharp';
import type { PipelineConfig, RuntimeConfig } from '../config/types.js';
import type { ImagePayload } from '../core/frame.js';
import type { Logger } from '../core/log.js';
import type { Box, ScoredClassResult } from '../core/result.js';
import { cropBox, cropRaw } from '../cascade/crop.js';
import { createPostprocessor } from '../postprocess/index.js';
import type { Postprocessor, PostprocessContext } from '../postprocess/types.js';
import { createImagePreprocessor, defaultPreprocessConfig, resolveImageTensor } from '../preprocess/index.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import { isSupportedDtype, typedView, type Dtype } from '../runtime/dtypes.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { Model } from '../runtime/model.js';
import { loadVerifiedModel } from '../runtime/probe.js';
import type { TensorInfo } from '../runtime/tensor.js';
import type { SecondaryModel, SecondaryModelSpec } from '../stages/types.js';
import { postprocessContext } from './labels.js';
import { ModelRunner } from './model-runner.js';

/** Why `inputs` cannot take crops, or undefined when the first input is an image and the only one. */
export function secondaryInputProblem(file: string, inputs: readonly TensorInfo[]): string | undefined {
  const resolved = resolveImageTensor(inputs[0]!);
  if (resolved.tensor === undefined) {
    const why = resolved.problems.map((p) => p.replace(/^preprocess: /, '').replace(/^the model's /, 'its ')).join('; ');
    return `${file} does not take images: ${why}; a cascade feeds crops of tracked objects to an image classifier`;
  }
  if (inputs.length > 1) {
    return `${file} has ${inputs.length} inputs (${inputs.map((t) => `"${t.name}"`).join(', ')}); a cascade feeds one image, so its model must have one input`;
  }
  return undefined;
}

/** The classify postprocessor of a second model (top-1, every score), or the reason it cannot read its outputs. */
export function secondaryPostprocessor(outputs: readonly TensorInfo[], context: PostprocessContext): Postprocessor {
  return createPostprocessor({ kind: 'classify', topK: 1, threshold: 0 }, outputs, context);
}

/**
 * The second model's chain: its own (`board` standing for the pipeline's chain as resolved at start), else the
 * pipeline's model.delegates.
 */
export function secondaryDelegates(own: readonly string[] | undefined, pipeline: readonly string[]): string[] {
  if (own === undefined) return [...pipeline];
  return [...new Set(own.flatMap((name) => (name === 'board' ? pipeline.filter((d) => d !== 'cpu') : [name])))];
}

export interface SecondaryModelParts {
  pipeline: PipelineConfig;
  runtime: RuntimeConfig;
  logger: Logger;
  descriptors?: ReadonlyMap<string, DelegateDescriptor>;
}

/** `what: message` as the EdgepipeError of a model unfit for a cascade (exit code 2: a configuration problem). */
function unfit(spec: SecondaryModelSpec, pipeline: string, message: string, cause?: unknown): EdgepipeError {
  return new EdgepipeError('ERR_CASCADE_MODEL', `pipeline ${pipeline}: ${spec.field}.model: ${message}`, { exitCode: 2, ...(cause ? { cause } : {}) });
}

/** Decodes `region` of an encoded image (upright, as the detector saw it) into raw RGB. */
async function decodeRegion(bytes: Uint8Array, region: Box): Promise<ImagePayload> {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const upright = sharp(buffer).rotate();
  const { autoOrient } = await sharp(buffer).metadata();
  const rect = cropBox(region, 0, autoOrient.width, autoOrient.height);
  if (!rect) throw new Error(`the crop ${JSON.stringify(region)} is outside the ${autoOrient.width}x${autoOrient.height} image`);
  const { data, info } = await upright.extract({ left: rect.x, top: rect.y, width: rect.width, height: rect.height }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { kind: 'raw', format: info.channels === 1 ? 'gray8' : 'rgb24', width: info.width, height: info.height, data };
}

/**
 * Opens `spec` for `parts.pipeline`: probes and loads the model, builds its interpreter on the chain (default the
 * pipeline's delegates, its threads and health settings) and checks that crops fit it.
 */
export async function openSecondaryModel(spec: SecondaryModelSpec, parts: SecondaryModelParts): Promise<SecondaryModel> {
  const { pipeline, runtime, logger } = parts;
  let model: Model;
  try {
    model = await loadVerifiedModel(spec.file, {
      ...(runtime.library ? { library: runtime.library } : {}),
      ...(runtime.cacheDir ? { cacheDir: `${runtime.cacheDir}/probe` } : {}),
    });
  } catch (error) {
    throw unfit(spec, pipeline.name, (error as Error).message, error);
  }
  const runner = await ModelRunner.start({
    model,
    delegates: secondaryDelegates(spec.delegates, pipeline.model.delegates),
    threads: pipeline.model.threads,
    pool: 1,
    health: pipeline.model.health,
    state: [],
    ...(parts.descriptors ? { descriptors: parts.descriptors } : {}),
    ...(runtime.cacheDir ? { cacheDir: `${runtime.cacheDir}/delegates` } : {}),
    onDelegateChange: (change) => logger.log('warn', `pipeline ${pipeline.name}: ${spec.field} delegate ${change.from} -> ${change.to}`, { reason: change.reason }),
  });
  try {
    const problem = secondaryInputProblem(spec.file, runner.inputs);
    if (problem) throw unfit(spec, pipeline.name, problem);
    const input = runner.inputs[0]!;
    const normalization = model.info.metadata?.inputs[0]?.normalization;
    const preprocessor = createImagePreprocessor(defaultPreprocessConfig(spec.resize), input, {
      ...(normalization ? { normalization: { mean: [...normalization.mean], std: [...normalization.std] } } : {}),
    });
    let postprocessor: Postprocessor;
    try {
      postprocessor = secondaryPostprocessor(runner.outputs, await postprocessContext(model, spec.labels, spec.labelOffset, spec.file));
    } catch (error) {
      throw error instanceof EdgepipeError && error.code === 'ERR_CASCADE_MODEL' ? error : unfit(spec, pipeline.name, (error as Error).message, error);
    }
    const staging = typedView(input.dtype as Dtype, new ArrayBuffer(input.bytes));
    // One crop at a time: the staging tensor and the single interpreter are shared.
    let tail: Promise<unknown> = Promise.resolve();
    const classifyOne = async (image: ImagePayload, region: Box | undefined): Promise<ScoredClassResult> => {
      let source = image;
      if (region && image.kind === 'encoded') source = await decodeRegion(image.bytes, region);
      else if (region && image.kind === 'raw') {
        const rect = cropBox(region, 0, image.width, image.height);
        if (!rect) throw new Error(`the crop ${JSON.stringify(region)} is outside the ${image.width}x${image.height} image`);
        source = cropRaw(image, rect).image;
      }
      await preprocessor.run(source, staging);
      const interpreter = await runner.acquire();
      try {
        interpreter.setInput(runner.frameInput, staging);
        const outcome = await runner.invoke(interpreter);
        if (!outcome.ok) throw new Error(outcome.message);
        const infos = interpreter.outputs;
        const values = infos.map((info, i) => (isSupportedDtype(info.dtype) ? interpreter.output(i) : new Uint8Array(0)));
        const result = await postprocessor.run({ infos, values }, undefined);
        if (result.kind !== 'classify' || result.classes.length === 0) throw new Error(`${spec.file} gave no class`);
        return { ...result.classes[0]! };
      } finally {
        runner.release(interpreter);
      }
    };
    return {
      get delegate() {
        return runner.delegate;
      },
      get failovers() {
        return runner.failovers;
      },
      classify(image, region) {
        const run = tail.then(() => classifyOne(image, region));
        tail = run.catch(() => undefined);
        return run;
      },
      close() {
        runner.stop();
      },
    };
  } catch (error) {
    runner.stop();
    throw error;
  }
}

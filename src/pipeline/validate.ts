/**
 * The checks `edgepipe validate` runs beyond the schema: those that need the model. Each pipeline's model is
 * probed and loaded, and its tensors are checked against the preprocessing, the postprocessor, the labels and
 * the state links. Every problem is collected, with the pipeline's position in its file.
 */
import type { ConfigFile, PipelineConfig } from '../config/types.js';
import { createInterpreter, validateChain } from '../runtime/delegate-chain.js';
import { loadDelegateDescriptors, builtinDelegatesDir, type DelegateDescriptor } from '../runtime/delegates.js';
import { EdgepipeError } from '../runtime/errors.js';
import { loadVerifiedModel } from '../runtime/probe.js';
import { createImagePreprocessor } from '../preprocess/index.js';
import { createSeriesPreprocessor } from '../preprocess/series-preprocessor.js';
import { isSensorSource, sensorChannels } from '../config/sensor-channels.js';
import { createPostprocessor } from '../postprocess/index.js';
import { postprocessContext } from './labels.js';
import { trackClassProblems } from '../tracking/index.js';
import { zoneClassProblems } from '../zones/index.js';
import { analyticsView, zoneFrameProblems } from './analytics-view.js';
import { knownFrameSize } from './frame-size.js';
import { cascadeClassProblems } from '../cascade/index.js';
import { cascadeModelProblems } from './cascade-checks.js';
import { applyBoardDefaults } from '../boards/defaults.js';
import { normalisationProblem } from './normalisation-check.js';
import { guessPostprocess } from '../postprocess/guess.js';
import { guessStateOutput, unfedInputs } from './state-links.js';
import { describeTensor } from '../runtime/tensor.js';

export interface ModelProblem {
  pipeline: string;
  /** file:line:col of the pipeline in its YAML file. */
  origin: string;
  /** The field the problem is about, in YAML spelling within the pipeline (`postprocess.kind`), when it names one. */
  field?: string;
  message: string;
}

/** Delegate descriptors for a config: the shipped ones, then the runtime's extra folders. */
export function descriptorsFor(config: ConfigFile): Map<string, DelegateDescriptor> {
  return loadDelegateDescriptors([builtinDelegatesDir, ...config.runtime.delegateDirs]);
}

/** A line `edgepipe validate` prints about a pipeline (what its tracker and zones will see). */
export type NoteListener = (pipeline: string, line: string) => void;

async function checkPipeline(config: ConfigFile, configured: PipelineConfig, descriptors: ReadonlyMap<string, DelegateDescriptor>, onNote?: NoteListener): Promise<string[]> {
  const problems: string[] = [];
  let pipeline = configured;
  try {
    pipeline = await applyBoardDefaults(configured);
  } catch (error) {
    if (!(error instanceof EdgepipeError)) throw error;
    problems.push(error.message);
    // Check the rest as if `board` were not there, rather than report it a second time as an unknown delegate.
    pipeline = { ...configured, model: { ...configured.model, delegates: configured.model.delegates.filter((name) => name !== 'board') } };
  }
  const attempt = async (step: () => Promise<void> | void): Promise<void> => {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof EdgepipeError)) throw error;
      problems.push(error.message);
    }
  };
  await attempt(() => validateChain(pipeline.model.delegates, descriptors));
  const library = config.runtime.library;
  let model;
  try {
    model = await loadVerifiedModel(pipeline.model.file, library ? { library } : {});
  } catch (error) {
    if (!(error instanceof EdgepipeError)) throw error;
    return [...problems, `model.file: ${error.message}`];
  }
  // Tensor shapes as TFLite reports them after allocation (detection outputs have none before).
  const { interpreter } = await createInterpreter(model, { delegates: ['cpu'], warmup: 0 });
  try {
    const names = new Set([...interpreter.inputs.map((t) => t.name), ...interpreter.outputs.map((t) => t.name)]);
    for (const link of pipeline.model.state) {
      for (const name of [link.output, link.input]) {
        if (!names.has(name)) problems.push(`model.state: the model has no tensor "${name}" (inputs and outputs: ${[...names].join(', ')})`);
      }
    }
    // An input no frame and no state link feeds would be zeros on every frame: the model runs, the results are wrong.
    for (const input of unfedInputs(interpreter.inputs, pipeline.model.state)) {
      const output = guessStateOutput(input, interpreter.outputs);
      const fix = output
        ? `add to model: state: [{ output: "${output.name}", input: "${input.name}" }]`
        : 'link the output that carries it in model.state, or use a model with one input';
      problems.push(`model.state: input "${input.name}" ${describeTensor(input)} is fed by nothing (frames feed only the first input); ${fix}`);
    }
    const stateInputs = new Set(pipeline.model.state.map((link) => link.input));
    const imageIndex = Math.max(0, interpreter.inputs.findIndex((t) => !stateInputs.has(t.name)));
    const normalization = model.info.metadata?.inputs[imageIndex]?.normalization;
    const source = pipeline.source;
    await attempt(() => {
      if (isSensorSource(source)) {
        createSeriesPreprocessor(source.window, sensorChannels(source).length, interpreter.inputs[imageIndex]!);
        return;
      }
      const conflict = normalisationProblem(pipeline.preprocess, interpreter.inputs[imageIndex]!);
      if (conflict) problems.push(conflict);
      createImagePreprocessor(pipeline.preprocess, interpreter.inputs[imageIndex]!, {
        ...(normalization ? { normalization: { mean: [...normalization.mean], std: [...normalization.std] } } : {}),
      });
    });
    const before = problems.length;
    await attempt(async () => {
      const context = await postprocessContext(model, pipeline.model.labels, pipeline.model.labelOffset, pipeline.model.file);
      createPostprocessor(pipeline.postprocess, interpreter.outputs, context);
      // Class names of track:, zones and lines against the labels, known only now (the schema cannot).
      if (pipeline.track) {
        for (const p of trackClassProblems(pipeline.track, context.labels, context.labelOffset, pipeline.model.file)) problems.push(`${p.field}: ${p.message}`);
        for (const p of cascadeClassProblems(pipeline.cascade ?? [], context.labels, context.labelOffset, pipeline.model.file)) problems.push(`${p.field}: ${p.message}`);
      }
      for (const p of zoneClassProblems(pipeline, context.labels, context.labelOffset, pipeline.model.file)) problems.push(`${p.field}: ${p.message}`);
      if (pipeline.track && ['detect-ssd', 'detect-yolo'].includes(pipeline.postprocess.kind)) {
        const frame = await knownFrameSize(pipeline);
        // A size the config states was checked by the schema already; one found from the files only now.
        if (frame && !frame.stated) for (const problem of zoneFrameProblems(pipeline, frame)) problems.push(problem);
        for (const line of analyticsView(pipeline, frame, context.labels, context.labelOffset)) onNote?.(pipeline.name, line);
      }
    });
    // The fix, when the outputs look like another postprocessor: `kind: segment` is what the person needs.
    const guess = guessPostprocess(interpreter.outputs);
    if (problems.length > before && guess.kind !== pipeline.postprocess.kind && problems[before]!.startsWith('postprocess.kind:')) {
      problems[before] += `; the outputs look like ${guess.kind} (${guess.why}): kind: ${guess.kind}`;
    }
  } finally {
    interpreter.dispose();
  }
  problems.push(...(await cascadeModelProblems(pipeline, library, descriptors)));
  return problems;
}

/** All model-dependent problems of all pipelines of all files (empty when everything fits). */
export async function validateModels(configs: readonly ConfigFile[], onNote?: NoteListener): Promise<ModelProblem[]> {
  const out: ModelProblem[] = [];
  for (const config of configs) {
    const descriptors = descriptorsFor(config);
    for (const pipeline of config.pipelines) {
      for (const message of await checkPipeline(config, pipeline, descriptors, onNote)) {
        const field = /^((?:model|source|preprocess|postprocess|track|zones|lines|cascade)(?:\.[a-z_]+|\[\d+\])*): /.exec(message)?.[1];
        out.push({ pipeline: pipeline.name, origin: pipeline.origin, ...(field ? { field } : {}), message });
      }
    }
  }
  return out;
}

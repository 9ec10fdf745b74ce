/** edgepipe validate FILE|DIR ...: schema checks, then the checks that need each pipeline's model. */
import { EdgepipeError } from '../runtime/errors.js';
import { validateModels, type ModelProblem } from '../pipeline/validate.js';
import { parseCommand } from './args.js';
import { DEFAULT_CONFIG_DIR } from './run.js';
import { checkConfigFiles } from '../config/load.js';
import { configDocsPointer, formatProblem, type Position } from '../config/problems.js';
import type { ConfigFile } from '../config/types.js';

export const validateHelp = `Usage: edgepipe validate [FILE|DIR ...] [--schema-only]

Checks pipeline YAML files (default ${DEFAULT_CONFIG_DIR}): every field against the schema, then, per
pipeline, that the model file loads and runs, that the named delegates exist, that an images source's path exists,
and that the model's tensors fit the preprocessing (channels, layout, mean/std against the input's quantisation),
the labels, the postprocessor and the state links (every input must be fed). For a detector pipeline with track,
it says what the tracker and zones will see: the frame size (from the config, the first image, or ffprobe of a
video file) and the classes, and checks the class names of track, zones and lines against the model's labels. Every check whose inputs are valid
runs, so all problems come in one pass, each at the field it is about; exit code 2 when there is any. A camera
device that does not exist is a warning (it may be plugged in later).`;

export async function validateCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('validate', argv, { 'schema-only': { type: 'boolean' }, help: { type: 'boolean' } });
  if (parsed.values['help']) {
    console.log(validateHelp);
    return 0;
  }
  // Every check whose inputs are valid runs in this one pass: a schema problem in one field does not hide a missing
  // model file, an unknown delegate or a model that does not fit another pipeline.
  const paths = parsed.positionals.length > 0 ? parsed.positionals : [DEFAULT_CONFIG_DIR];
  const { problems: configProblems, warnings, configs, positions } = await checkConfigFiles(paths);
  for (const warning of warnings) console.error(`warning: ${formatProblem(warning)}`);
  const pipelines = configs.reduce((n, c) => n + c.pipelines.length, 0);
  // What each detector pipeline's tracker and zones will see: printed whatever the outcome.
  const notes: string[] = [];
  const problems = parsed.values['schema-only'] ? [] : await validateModels(configs, (pipeline, line) => notes.push(`pipeline ${pipeline}: ${line}`));
  for (const note of notes) console.log(note);
  if (configProblems.length > 0 || problems.length > 0) {
    const lines = [...configProblems.map(formatProblem), ...problems.map((p) => `${fieldOrigin(p, configs, positions)}: pipeline ${p.pipeline}: ${p.message}`)];
    const code = configProblems.length > 0 ? 'ERR_CONFIG' : 'ERR_CONFIG_MODEL';
    const tail = configProblems.length > 0 ? [configDocsPointer] : [];
    const count = lines.length === 1 ? '1 problem' : `${lines.length} problems`;
    const head = configProblems.length > 0 ? `${count} in the configuration:` : `${lines.length} problem(s):`;
    throw new EdgepipeError(code, [head, ...lines, ...tail].join('\n'), { exitCode: 2 });
  }
  console.log(`ok: ${pipelines} pipeline(s) in ${configs.length} file(s)${parsed.values['schema-only'] ? ' (schema only)' : ''}`);
  return 0;
}


/**
 * file:line:col of the field a model problem is about (`postprocess.kind`), or of the closest enclosing field
 * given in the file, else of the pipeline.
 */
function fieldOrigin(problem: ModelProblem, configs: readonly ConfigFile[], positions: ReadonlyMap<string, ReadonlyMap<string, Position>>): string {
  const config = configs.find((c) => c.pipelines.some((p) => p.origin === problem.origin && p.name === problem.pipeline));
  const known = config ? positions.get(config.file) : undefined;
  if (!config || !known || !problem.field) return problem.origin;
  const display = problem.origin.replace(/:\d+:\d+$/, '');
  const start = problem.origin.slice(display.length + 1);
  // The index of the pipeline in its file: the one that starts where the origin says.
  const index = [...known.entries()].find(([key, pos]) => /^pipelines\[\d+\]$/.test(key) && `${pos.line}:${pos.col}` === start)?.[0];
  if (!index) return problem.origin;
  for (let field = problem.field; field; field = field.replace(/(\.[a-z_]+|\[\d+\])$/, '')) {
    const pos = known.get(`${index}.${field}`);
    if (pos) return `${display}:${pos.line}:${pos.col}`;
    if (!/[.[]/.test(field)) break;
  }
  return problem.origin;
}

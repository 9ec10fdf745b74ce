/** edgepipe validate FILE|DIR ...: schema checks, then the checks that need each pipeline's model. */
import { EdgepipeError } from '../runtime/errors.js';
import { validateModels } from '../pipeline/validate.js';
import { parseCommand } from './args.js';
import { loadConfigs, DEFAULT_CONFIG_DIR } from './run.js';

export const validateHelp = `Usage: edgepipe validate [FILE|DIR ...] [--schema-only]

Checks pipeline YAML files (default ${DEFAULT_CONFIG_DIR}): every field against the schema, then, per
pipeline, that the model file loads and runs, that the named delegates exist, and that the model's tensors fit
the preprocessing (channels, layout), the labels and the postprocessor. Prints every problem with its position;
exit code 2 when there is any.`;

export async function validateCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('validate', argv, { 'schema-only': { type: 'boolean' }, help: { type: 'boolean' } });
  if (parsed.values['help']) {
    console.log(validateHelp);
    return 0;
  }
  const configs = await loadConfigs(parsed.positionals);
  const pipelines = configs.reduce((n, c) => n + c.pipelines.length, 0);
  if (!parsed.values['schema-only']) {
    const problems = await validateModels(configs);
    if (problems.length > 0) {
      const lines = problems.map((p) => `${p.origin}: pipeline ${p.pipeline}: ${p.message}`);
      throw new EdgepipeError('ERR_CONFIG_MODEL', `${problems.length} problem(s):\n${lines.join('\n')}`, { exitCode: 2 });
    }
  }
  console.log(`ok: ${pipelines} pipeline(s) in ${configs.length} file(s)${parsed.values['schema-only'] ? ' (schema only)' : ''}`);
  return 0;
}

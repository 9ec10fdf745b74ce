/**
 * POST /api/validate: the checks of `edgepipe validate` (schema, referenced files, then each pipeline's model,
 * delegates and tensors) on an edited YAML text in place of one pipeline file, relative paths resolved against
 * that file's folder. Every problem with its line and column in the text.
 */
import { checkConfigFiles } from '../config/load.js';
import type { Position } from '../config/problems.js';
import { validateModels } from '../pipeline/validate.js';

export interface ValidateProblem {
  line: number;
  col: number;
  path: string;
  message: string;
}

export interface ValidateOutcome {
  ok: boolean;
  problems: ValidateProblem[];
}

/** Validates `yaml` as if it were the content of `file` (an absolute path). */
export async function validateText(file: string, yaml: string): Promise<ValidateOutcome> {
  const { problems: configProblems, configs, positions } = await checkConfigFiles([file], { texts: new Map([[file, yaml]]) });
  const problems: ValidateProblem[] = configProblems.map((p) => ({ line: p.line, col: p.col, path: p.path, message: p.message }));
  const known = positions.get(file) ?? new Map<string, Position>();
  for (const problem of await validateModels(configs)) {
    const at = /:(\d+):(\d+)$/.exec(problem.origin);
    const start = at ? `${at[1]}:${at[2]}` : '';
    // The pipeline's index in the file: the one that starts where its origin says; then the closest given field.
    const index = [...known.entries()].find(([key, pos]) => /^pipelines\[\d+\]$/.test(key) && `${pos.line}:${pos.col}` === start)?.[0];
    let position: Position = at ? { line: Number(at[1]), col: Number(at[2]) } : { line: 0, col: 0 };
    let fieldPath = index ?? '';
    if (index && problem.field) {
      for (let field = problem.field; field; field = field.replace(/(\.[a-z_]+|\[\d+\])$/, '')) {
        const pos = known.get(`${index}.${field}`);
        if (pos) {
          position = pos;
          fieldPath = `${index}.${field}`;
          break;
        }
        if (!/[.[]/.test(field)) break;
      }
    }
    problems.push({ line: position.line, col: position.col, path: fieldPath, message: `pipeline ${problem.pipeline}: ${problem.message}` });
  }
  return { ok: problems.length === 0, problems };
}

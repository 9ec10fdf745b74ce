/**
 * Configuration problems: every mistake found in the YAML files, with where it is (file:line:col), the field path
 * in YAML spelling (`pipelines[0].postprocess.top_k`), what was expected, what was received and a suggestion.
 * All problems of all files are collected and thrown as one ConfigError, whose message is the readable list the
 * CLI prints (no stack trace).
 */
import { EdgepipeError } from '../runtime/errors.js';

/** Where the reference of every field lives; the last line of every ConfigError message. */
export const configDocsPointer = 'See docs/configuration.md for every field, its type, default and an example.';

/** A position in a YAML file: 1-based line and column; 0:0 means the whole file (it could not be read). */
export interface Position {
  line: number;
  col: number;
}

export interface ConfigProblem {
  /** The file as the caller named it (relative paths stay relative, as the user typed them). */
  file: string;
  line: number;
  col: number;
  /** The field in YAML spelling, e.g. `pipelines[0].postprocess.top_k`; empty for problems of the whole file. */
  path: string;
  /** The complete explanation after the path (includes expected, received and suggestion when present). */
  message: string;
  /** The value found, rendered for people (strings quoted; values from ${...} are never shown). */
  received?: string;
  /** What the field takes, e.g. `an integer between 1 and 1000`. */
  expected?: string;
  /** A corrected value or field name, e.g. `resize` for `rezise`. */
  suggestion?: string;
}

/** One problem as a line: `front.yaml:12:14: pipelines[0].postprocess.top_k: expected ..., received 0`. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col}` : problem.file;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** Orders problems by file (in the order files were given), then line and column; keeps the order of ties. */
export function sortProblems(problems: readonly ConfigProblem[], fileOrder: readonly string[] = []): ConfigProblem[] {
  const rank = (file: string): number => {
    const i = fileOrder.indexOf(file);
    return i < 0 ? fileOrder.length : i;
  };
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        rank(a.problem.file) - rank(b.problem.file) ||
        a.problem.line - b.problem.line ||
        a.problem.col - b.problem.col ||
        a.index - b.index,
    )
    .map((entry) => entry.problem);
}

/** Thrown by the loader with every problem found; `message` is the readable list. Exit code 2. */
export class ConfigError extends EdgepipeError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = [`${count} in the configuration:`, ...problems.map(formatProblem), configDocsPointer];
    super('ERR_CONFIG', lines.join('\n'), { exitCode: 2 });
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

/** Collects problems for one file; `at` turns a position and path into a ConfigProblem. */
export class ProblemList {
  readonly problems: ConfigProblem[] = [];

  constructor(readonly file: string) {}

  add(position: Position, path: string, message: string, details: Omit<ConfigProblem, 'file' | 'line' | 'col' | 'path' | 'message'> = {}): void {
    this.problems.push({ file: this.file, line: position.line, col: position.col, path, message, ...details });
  }

  /** `expected X, received Y[; did you mean Z?]` with the parts kept apart in the problem. */
  mismatch(position: Position, path: string, expected: string, received: string, suggestion?: Suggestion): void {
    const hint = suggestion ? `; ${suggestion.text}` : '';
    this.add(position, path, `expected ${expected}, received ${received}${hint}`, {
      expected,
      received,
      ...(suggestion ? { suggestion: suggestion.value } : {}),
    });
  }
}

/** A suggested replacement: `value` is the replacement itself, `text` the sentence shown (`did you mean "fill"?`). */
export interface Suggestion {
  value: string;
  text: string;
}

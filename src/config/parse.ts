/**
 * One YAML file -> a validated ConfigFile or its problems: YAML tree, interpolation, schema validation, then the
 * checks within the file (pipeline names unique). Nothing is thrown here; load.ts gathers the problems of all files.
 */
import path from 'node:path';
import { interpolateTree } from './interpolate.js';
import { ProblemList, type ConfigProblem, type Position } from './problems.js';
import type { Infer } from './schema-dsl.js';
import { configFileSchema, modelSchema, pipelineSchema, runtimeSchema } from './schema.js';
import { sourceSchema } from './schema-stages.js';
import type { ConfigFile, ModelConfig, PipelineConfig, RuntimeConfig, SourceConfig } from './types.js';
import { validatePart, validateTree, type ValidationContext } from './validate.js';
import { readYamlTree, type TreeNode } from './yaml-tree.js';

type FileValue = Infer<typeof configFileSchema>;

export interface ParseOptions {
  /** Where `${NAME}` and `${credential:NAME}` ($CREDENTIALS_DIRECTORY) are looked up; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ParsedFile {
  /** The file as the caller named it, used in messages and `origin`. */
  display: string;
  config?: ConfigFile;
  problems: ConfigProblem[];
  /** Position of every value given in the file, by YAML path (`pipelines[0].name`). */
  positions: Map<string, Position>;
  /** The YAML tree, for checks across files that should work even when the file has other problems. */
  tree?: TreeNode;
  /** The parts that are valid on their own, also while other parts have problems (what later checks can use). */
  parts?: ValidParts;
}

/** The valid parts of a file: its runtime, and per pipeline the whole pipeline or at least its model and source. */
export interface ValidParts {
  runtime?: RuntimeConfig;
  pipelines: PipelinePart[];
  /** As ConfigFile.secretPaths, for the parts. */
  secretPaths: string[];
}

export interface PipelinePart {
  /** Index in the file's `pipelines` list. */
  index: number;
  /** The whole pipeline, when it is valid. */
  pipeline?: PipelineConfig;
  model?: ModelConfig;
  source?: SourceConfig;
}

/** Parses and validates one file. `display` is how messages name it; relative paths resolve against its folder. */
export function parseFile(display: string, text: string, options: ParseOptions = {}): ParsedFile {
  const file = path.resolve(display);
  const dir = path.dirname(file);
  const problems = new ProblemList(display);
  const positions = new Map<string, Position>();
  const tree = readYamlTree(text, problems);
  if (!tree) return { display, problems: problems.problems, positions };
  if (tree.kind === 'scalar' && tree.value === null && !tree.failed) {
    problems.add(tree.pos, '', 'the file is empty; it needs "version: 1" and a list of pipelines');
    return { display, problems: problems.problems, positions };
  }
  const version = tree.kind === 'map' ? tree.entries.find((e) => e.key === 'version')?.value : undefined;
  if (version?.kind === 'scalar' && typeof version.value === 'number' && version.value !== 1) {
    // A file for another format version: checking it against version 1 would only list noise.
    const message = `expected 1, received ${version.source}; this edgepipe reads version 1 files only (is the file for a newer edgepipe?)`;
    problems.add(version.pos, 'version', message, { expected: '1', received: version.source });
    return { display, problems: problems.problems, positions };
  }
  interpolateTree(tree, '', { env: options.env ?? process.env, dir }, problems);
  const secretPaths: string[] = [];
  const context = { problems, dir, root: configFileSchema, secretPaths, positions };
  const value = validateTree(configFileSchema, tree, context) as FileValue | undefined;
  const originOf = (i: number): string => {
    const at = positions.get(`pipelines[${i}]`) ?? { line: 1, col: 1 };
    return `${display}:${at.line}:${at.col}`;
  };
  if (!value || problems.problems.length > 0) {
    const parts = validParts(tree, context, originOf);
    return { display, problems: problems.problems, positions, tree, parts };
  }
  const pipelines = value.pipelines.map((pipeline, i) => ({ ...pipeline, origin: originOf(i) }));
  const config: ConfigFile = { file, version: value.version, runtime: value.runtime, pipelines, secretPaths };
  const parts = { runtime: config.runtime, pipelines: pipelines.map((p, index) => ({ index, pipeline: p, model: p.model, source: p.source })), secretPaths };
  return { display, config: deepFreeze(config), problems: [], positions, tree, parts: deepFreeze(parts) };
}

const entryOf = (node: TreeNode | undefined, key: string): TreeNode | undefined =>
  node?.kind === 'map' ? node.entries.find((e) => e.key === key)?.value : undefined;

/** Each part of an invalid file validated on its own (quietly: the whole-file pass reported the problems). */
function validParts(tree: TreeNode, context: ValidationContext, originOf: (i: number) => string): ValidParts {
  const secretPaths: string[] = [];
  const quiet = { ...context, secretPaths };
  const runtimeNode = entryOf(tree, 'runtime') ?? { kind: 'map' as const, pos: tree.pos, entries: [] };
  const runtime = validatePart(runtimeSchema, runtimeNode, 'runtime', 'runtime', quiet) as RuntimeConfig | undefined;
  const list = entryOf(tree, 'pipelines');
  const pipelines = (list?.kind === 'list' ? list.items : []).map((item, index): PipelinePart => {
    const at = `pipelines[${index}]`;
    const whole = validatePart(pipelineSchema, item, at, at, quiet) as Omit<PipelineConfig, 'origin'> | undefined;
    if (whole) return { index, pipeline: { ...whole, origin: originOf(index) }, model: whole.model, source: whole.source };
    const part = (key: string, schema: Parameters<typeof validatePart>[0]): unknown => {
      const node = entryOf(item, key);
      return node ? validatePart(schema, node, `${at}.${key}`, `${at}.${key}`, quiet) : undefined;
    };
    const model = part('model', modelSchema) as ModelConfig | undefined;
    const source = part('source', sourceSchema) as SourceConfig | undefined;
    return { index, ...(model ? { model } : {}), ...(source ? { source } : {}) };
  });
  return deepFreeze({ ...(runtime ? { runtime } : {}), pipelines, secretPaths });
}

/** The validated config is immutable: a stage that changes it would change it for every other stage. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

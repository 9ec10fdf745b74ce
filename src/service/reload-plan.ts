/**
 * What a reload has to do: which pipelines are unchanged, changed, added or removed. Pipelines are matched by
 * name and compared on everything a running Pipeline reads, its files' content included, so an unchanged one can
 * keep running untouched.
 */
import type { ConfigFile, PipelineConfig, RuntimeConfig } from '../config/types.js';
import { descriptorsFor } from '../pipeline/validate.js';
import type { DelegateDescriptor } from '../runtime/delegates.js';
import { fileIdentities, type PipelineFiles } from './pipeline-files.js';

/** Default of runtime.reload_health_s. */
export const DEFAULT_RELOAD_HEALTH_S = 30;

/** One pipeline with the runtime settings of its file: what a Supervisor is built from. */
export interface PipelineSpec {
  config: PipelineConfig;
  runtime: RuntimeConfig;
  descriptors: ReadonlyMap<string, DelegateDescriptor>;
  /** The model and labels files as read for this spec (pipeline-files.ts); absent: the pipeline reads them at start. */
  files?: PipelineFiles;
}

export interface ReloadPlan {
  unchanged: string[];
  changed: string[];
  added: string[];
  removed: string[];
}

/** Every pipeline of the files, in file order, with its file's runtime and delegate descriptors. */
export function specsOf(files: readonly ConfigFile[]): PipelineSpec[] {
  return files.flatMap((file) => {
    const descriptors = descriptorsFor(file);
    return file.pipelines.map((config) => ({ config, runtime: file.runtime, descriptors }));
  });
}

/**
 * What a running pipeline depends on. The content of its model and labels files counts (their SHA-256): a
 * model replaced under the same path is a changed pipeline. `origin` is left out: a pipeline that only moved in
 * its file (an edit above it) is the same pipeline. Of its file's runtime, only what is known to be the process's (the logger, the
 * HTTP endpoint, the reload check) is left out: a runtime field added later restarts the pipelines when it
 * changes, rather than being missed. The descriptors of the delegate chain are included: an edited descriptor
 * changes what runs.
 */
function dependencies(spec: PipelineSpec): unknown {
  const { origin: _origin, ...config } = spec.config;
  const { log: _log, http: _http, reloadHealthS: _reloadHealthS, ...runtime } = spec.runtime;
  return {
    config,
    runtime,
    delegates: spec.config.model.delegates.map((name) => spec.descriptors.get(name) ?? null),
    files: fileIdentities(spec.files),
  };
}

export function sameSpec(a: PipelineSpec, b: PipelineSpec): boolean {
  return deepEqual(dependencies(a), dependencies(b));
}

/** Structural equality of plain data (objects, arrays, primitives); a key holding undefined counts as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) if (!deepEqual(left[key], right[key])) return false;
  return true;
}

/** Compares the running specs (by name) with the next ones, in the next files' order. */
export function planReload(current: ReadonlyMap<string, PipelineSpec>, next: readonly PipelineSpec[]): ReloadPlan {
  const plan: ReloadPlan = { unchanged: [], changed: [], added: [], removed: [] };
  const names = new Set(next.map((spec) => spec.config.name));
  for (const spec of next) {
    const before = current.get(spec.config.name);
    if (!before) plan.added.push(spec.config.name);
    else if (sameSpec(before, spec)) plan.unchanged.push(spec.config.name);
    else plan.changed.push(spec.config.name);
  }
  for (const name of current.keys()) if (!names.has(name)) plan.removed.push(name);
  return plan;
}

/** Seconds a changed or new pipeline has to deliver a prediction (its file's runtime.reload_health_s). */
export function healthSeconds(spec: PipelineSpec): number {
  return spec.runtime.reloadHealthS ?? DEFAULT_RELOAD_HEALTH_S;
}

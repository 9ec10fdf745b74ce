/**
 * Pipeline configuration: YAML files -> validated, immutable ConfigFile objects (see docs/configuration.md).
 * The engine needs loadConfigFiles, ConfigError and the types; the rest serves tools, docs and tests.
 */
export type * from './types.js';
export { loadConfigFiles, parseConfig, type LoadOptions } from './load.js';
export type { ParseOptions } from './parse.js';
export { ConfigError, configDocsPointer, formatProblem, type ConfigProblem } from './problems.js';
export { hiddenValue, redactedConfigDump } from './dump.js';
export { interpolateString, type InterpolationContext, type InterpolationResult } from './interpolate.js';
export { configFileSchema, pipelineNamePattern, pipelineSchema } from './schema.js';
export { jsonSchemaPath, pipelineJsonSchema, renderPipelineJsonSchema } from './json-schema.js';
export { configurationDocPath, renderConfigurationDoc } from './docs.js';

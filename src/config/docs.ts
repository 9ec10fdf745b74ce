/**
 * docs/configuration.md, generated from the schema DSL so the reference can never disagree with the loader:
 * a hand-written introduction (format, paths, secrets, errors, editor support) and one table per section.
 */
import { describeExpected } from './describe.js';
import { enumMeanings, jsonSchemaPath } from './json-schema.js';
import type { ObjectSchema, Schema } from './schema-dsl.js';
import { parseConfig } from './load.js';
import { formatCount, formatLimit, maxConfigFileBytes, maxProblemsPerFile, maxReferencedFileBytes, maxYamlNodes } from './limits.js';
import { ConfigError } from './problems.js';
import { configFileSchema } from './schema.js';

/** Where the generated file lives, relative to the package root. */
export const configurationDocPath = 'docs/configuration.md';

/** A file with mistakes, whose real error message the reference shows. */
const brokenExample = `version: 1
pipelines:
  - name: front-door
    source: { kind: images, path: ./frames }
    model: { file: ./models/mobilenet.tflite }
    preprocess:
      rezise: contain
    postprocess: { kind: detect-yolo, max_detections: 0, coordinates: normalised }
`;

function errorExample(): string {
  try {
    parseConfig('front.yaml', brokenExample, { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the broken example of docs/configuration.md loads without problems');
}

/** The example at the top of the reference (tested to load). */
export const exampleConfig = `# yaml-language-server: $schema=../${jsonSchemaPath}
version: 1
runtime:                       # optional
  library: /opt/vendor/libtensorflowlite_c.so
  delegate_dirs: [/etc/edgepipe/delegates]
  cache_dir: /var/cache/edgepipe
pipelines:
  - name: front-door
    source: { kind: images, path: ./frames, loop: true, fps: 5 }
    model: { file: ./models/mobilenet.tflite, delegates: [edgetpu, xnnpack, cpu], threads: 1 }
    preprocess: { resize: contain, pad_colour: [0, 0, 0], rotate: 90 }
    postprocess: { kind: classify, top_k: 3, threshold: 0.2 }
    buffer: { policy: latest }
    sinks:
      - kind: stdout
      - kind: file
        path: /var/log/edgepipe/front-door.jsonl
`;

const introduction = (): string => `# Configuration reference

<!-- Generated from src/config/schema.ts by src/config/write-generated.ts: edit those, not this file. -->

edgepipe runs the pipelines described in YAML files. Give it files or folders (a folder means its \`*.yaml\` and
\`*.yml\` files, in name order); pipeline names must be unique across all of them.

\`\`\`yaml
${exampleConfig}\`\`\`

Every field not marked **required** may be left out; the tables below give its default.

## Rules for every file

- **\`version: 1\`** comes first in every file. Later formats will have another number; edgepipe never rewrites
  your files.
- **Names are exact**: fields are lowercase with \`_\` (\`top_k\`, not \`topK\` or \`top-k\`); values such as
  \`contain\` or \`detect-yolo\` are lowercase. Indent with spaces, never tabs.
- **Paths** (\`model.file\`, \`model.labels\`, \`source.path\`, sink \`path\`, \`mask_dir\`, \`runtime\` paths) may be
  relative: they are relative to the folder of the YAML file they are in, not to where edgepipe was started. \`~\` is
  not expanded. One exception: a path that *starts* with an environment reference (\`\${EDGEPIPE_MODELS}/yolo.tflite\`)
  and comes out relative is relative to edgepipe's current folder, where the variable was set:
  \`EDGEPIPE_MODELS=../shared/models edgepipe validate pipelines/\` means \`../shared/models\` next to the folder the
  command was typed in (under systemd, \`WorkingDirectory=\`, by default \`/\`: give absolute folders there).
  \`models/\${NAME}.tflite\` and paths led by \`\${file:...}\` stay relative to the YAML file.
- **Secrets and settings from outside** go into any text value as references:
  - \`\${NAME}\`: the environment variable \`NAME\` (for example from \`Environment=\` or \`EnvironmentFile=\` in the
    systemd unit);
  - \`\${file:PATH}\`: the content of a file, without trailing newlines (relative to the YAML file's folder);
  - \`\${credential:NAME}\`: a systemd credential (\`LoadCredential=NAME:/path\` in the unit);
  - \`$\${\` writes a literal \`\${\`.

  A value that is entirely a reference may fill a number or true/false field (\`threads: \${THREADS}\`). Secrets
  are never shown (not in logs, error messages, configuration dumps, /healthz, /status or on MQTT: \`<hidden>\`
  takes their place): the values of \`\${file:...}\` and \`\${credential:...}\` references, and of password, key
  and token fields however they are written. Other values from \`\${NAME}\` (a model path, a host) are shown
  like any other value, so a message says which file is missing.
  A \`\${file:}\` or \`\${credential:}\` must name a regular file of at most ${formatLimit(maxReferencedFileBytes)}: a folder, a FIFO (named pipe) or a device such as
  \`/dev/zero\` is refused without being read.
- **Limits**: every YAML file must be a regular file (a FIFO, a device or a folder named \`*.yaml\` is reported, not
  read) of at most ${formatLimit(maxConfigFileBytes)}, with at most ${formatCount(maxYamlNodes)} YAML nodes (keys, values and list items; an alias counts every node
  it repeats); real files have a few hundred. A file over a limit is refused before it is parsed, naming the limit:
  \`pipes.yaml: the file is 2,000,024 bytes (1.9 MiB), more than the 1 MiB limit for a pipeline file\`,
  \`pipes.yaml:2:200005: the file has more than 100,000 YAML nodes (keys, values and list items), the limit for a
  pipeline file\`. At most ${maxProblemsPerFile} problems are listed per file, then how many more there are.

## When something is wrong

edgepipe checks every file completely before starting and lists every problem at once, each with the file, line
and column, the field, what it expected and what it found, and a suggestion when it can guess:

\`\`\`yaml
${brokenExample}\`\`\`

gives

\`\`\`
${errorExample()}
\`\`\`

It exits with code 2 and does not start any pipeline until all are fixed.

## Editor support

\`${jsonSchemaPath}\` is a JSON Schema of this format. With the YAML extension of VS Code (or any editor using
yaml-language-server), a first line \`# yaml-language-server: $schema=<path to>/${jsonSchemaPath}\` gives completion,
descriptions and checks while typing. It cannot check what needs more than one field or file (unique names, files
that exist); edgepipe does.
`;

const topLevel = '';

interface Section {
  title: string;
  path: string;
  schema: ObjectSchema;
  kind?: string;
  /** For a union: the variant sections it introduces. */
  variants?: string[];
  description: string;
}

/** The whole docs/configuration.md text. */
export function renderConfigurationDoc(): string {
  const sections: Section[] = [];
  collect(configFileSchema, topLevel, sections);
  return `${introduction()}\n${sections.map(renderSection).join('\n')}`;
}

function collect(schema: ObjectSchema, path: string, into: Section[], kind?: string): void {
  into.push({ title: schema.title, path, schema, description: schema.description, ...(kind ? { kind } : {}) });
  for (const [key, field] of Object.entries(schema.fields)) {
    const at = path === topLevel ? key : `${path}.${key}`;
    const inner = field.type === 'list' ? field.items : field;
    const innerPath = field.type === 'list' ? `${at}[]` : at;
    if (inner.type === 'object') collect(inner, innerPath, into);
    if (inner.type === 'union') {
      const variants = Object.values(inner.variants).map((v) => v.title);
      const overview: ObjectSchema = { ...inner, type: 'object', fields: {}, checks: [] };
      into.push({ title: inner.title, path: innerPath, schema: overview, variants, description: inner.description });
      for (const [name, variant] of Object.entries(inner.variants)) collect(variant, innerPath, into, name);
    }
  }
}

/** GitHub's heading anchors: `Postprocess: detect-ssd` -> `postprocess-detect-ssd`. */
export function anchor(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-');
}

const link = (title: string): string => `[${title}](#${anchor(title)})`;

function renderSection(section: Section): string {
  const kind = section.kind ? ` with \`kind: ${section.kind}\`` : '';
  const where = section.path === topLevel ? 'The top level of every file' : `\`${section.path}\`${kind}`;
  const lines = [`## ${section.title}`, '', `${where}: ${section.description}`, ''];
  if (section.variants) {
    lines.push(`\`kind\` is one of: ${section.variants.map(link).join(', ')}.`, '');
    return lines.join('\n');
  }
  const fields = Object.entries(section.schema.fields);
  if (fields.length === 0) return [...lines, section.kind ? 'No fields besides `kind`.' : 'No fields.', ''].join('\n');
  lines.push('| Field | Takes | Default | Description |', '|---|---|---|---|');
  if (section.kind) lines.push(`| \`kind\` | \`${section.kind}\` | **required** | Selects this type. |`);
  for (const [key, field] of fields) {
    lines.push(`| \`${key}\` | ${cell(takes(field))} | ${cell(defaultText(field))} | ${cell(description(field))} |`);
  }
  lines.push('');
  return lines.join('\n');
}

function takes(field: Schema): string {
  const inner = field.type === 'list' ? field.items : field;
  if (inner.type === 'object' || inner.type === 'union') return `${describeExpected(field)}: see ${link(inner.title)}`;
  // `a list of 3 integers, each between 0 and 255`
  if (field.type === 'list' && inner.type === 'number' && (inner.min !== undefined || inner.max !== undefined)) {
    return `${describeExpected(field)}, each ${describeExpected(inner).replace(/^an? (integer|number) /, '')}`;
  }
  return describeExpected(field);
}

function defaultText(field: Schema): string {
  if (field.presence === 'required') return '**required**';
  if (field.defaultBy) {
    return Object.entries(field.defaultBy.values)
      .map(([when, value]) => `\`${yamlInline(value)}\` with ${field.defaultBy!.field} \`${when}\``)
      .join(', ');
  }
  if (field.default === undefined) return 'none';
  if (typeof field.default === 'object' && field.default !== null && !Array.isArray(field.default)) return 'all defaults';
  return `\`${yamlInline(field.default)}\``;
}

function description(field: Schema): string {
  const meanings = field.type === 'enum' ? enumMeanings(field) : '';
  const example = field.example !== undefined && typeof field.example !== 'object' ? ` Example: \`${yamlInline(field.example)}\`.` : '';
  const listExample = Array.isArray(field.example) ? ` Example: \`${yamlInline(field.example)}\`.` : '';
  return `${field.description}${meanings ? ` ${meanings}` : ''}${example}${listExample}`;
}

/** A value in YAML flow style, strings unquoted where YAML allows: `[edgetpu, xnnpack]`, `{kind: stdout}`. */
export function yamlInline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlInline).join(', ')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}: ${yamlInline(v)}`).join(', ')}}`;
  if (typeof value === 'string' && !/^[A-Za-z_/.][A-Za-z0-9_./-]*$/.test(value)) return JSON.stringify(value);
  if (typeof value === 'string' && /^(true|false|null|yes|no|on|off)$/i.test(value)) return JSON.stringify(value);
  return String(value);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

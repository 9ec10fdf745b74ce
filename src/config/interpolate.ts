/**
 * `${...}` references in YAML string values, so secrets stay out of the files people edit and share:
 *
 * - `${NAME}`: the environment variable NAME (set, possibly empty);
 * - `${file:PATH}`: the content of a file, trailing newlines removed; relative to the YAML file's folder;
 * - `${credential:NAME}`: a systemd credential (`LoadCredential=NAME:...`), read from $CREDENTIALS_DIRECTORY/NAME;
 * - `$${` is a literal `${`.
 *
 * A relative path whose leading part came from `${NAME}` resolves against the current directory of the process
 * (envLedPath): whoever typed `EDGEPIPE_MODELS=../shared/models` on a command line meant their own folder, not the
 * YAML file's. A relative path written in the YAML itself (or led by `${file:...}`) resolves against the YAML's folder.
 *
 * Problems name the reference, never a resolved value. Only secrets are secret (ScalarNode.secret): values with a
 * `${file:...}` or `${credential:...}` reference, and (marked by the validator, which knows the schema) the values
 * of password, key and token fields however they were written, unless the field is a path (tls.key names a file). Those are registered process-wide (src/runtime/secrets.ts) so that no text leaving the process
 * shows them; other values from `${NAME}` (paths, hosts) are shown like any other value.
 */
import path from 'node:path';
import { readRegularFileSync, refusalText } from './bounded-read.js';
import { maxReferencedFileBytes } from './limits.js';
import { registerSecret } from '../runtime/secrets.js';
import type { ProblemList } from './problems.js';
import type { TreeNode } from './yaml-tree.js';

export interface InterpolationContext {
  /** Where `${NAME}` and $CREDENTIALS_DIRECTORY come from (normally process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** The YAML file's folder: relative `${file:...}` paths resolve against it. */
  dir: string;
}

export type InterpolationResult = { text: string; refs: string[] } | { errors: string[] };

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const credentialName = /^[A-Za-z0-9_.-]+$/;
const usage = 'use ${NAME}, ${file:PATH} or ${credential:NAME}, and $${ for a literal ${';

/** Replaces the references in one string; `refs` lists them as written (e.g. `${MQTT_PASSWORD}`). */
export function interpolateString(text: string, context: InterpolationContext): InterpolationResult {
  let out = '';
  const refs: string[] = [];
  const errors: string[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('$', i);
    if (start < 0) break;
    out += text.slice(i, start);
    if (text.startsWith('$${', start)) {
      out += '${';
      i = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      out += '$';
      i = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end < 0) {
      errors.push(`"\${" is not closed with "}"; ${usage}`);
      i = text.length;
      break;
    }
    const ref = text.slice(start, end + 1);
    const resolved = resolveReference(text.slice(start + 2, end), ref, context);
    if ('error' in resolved) errors.push(resolved.error);
    else {
      // Registered as soon as read: whatever the value becomes part of (a path, a URL), this part stays hidden.
      if (isSecretReference(ref)) registerSecret(resolved.value);
      out += resolved.value;
    }
    refs.push(ref);
    i = end + 1;
  }
  out += text.slice(i);
  return errors.length > 0 ? { errors } : { text: out, refs };
}

function resolveReference(body: string, ref: string, context: InterpolationContext): { value: string } | { error: string } {
  if (body.startsWith('file:')) {
    const file = body.slice('file:'.length);
    if (!file) return { error: `${ref} names no file; ${usage}` };
    return readSecretFile(path.resolve(context.dir, file), `${ref}`);
  }
  if (body.startsWith('credential:')) {
    const name = body.slice('credential:'.length);
    if (!credentialName.test(name)) return { error: `${ref} is not a valid credential name (letters, digits, _ . -)` };
    const dir = context.env['CREDENTIALS_DIRECTORY'];
    if (!dir) {
      const fix = `CREDENTIALS_DIRECTORY is not set; add LoadCredential=${name}:PATH to the service`;
      return { error: `${ref}: no systemd credentials are available (${fix})` };
    }
    return readSecretFile(path.join(dir, name), ref);
  }
  if (!envName.test(body)) return { error: `"${ref}" is not a reference edgepipe understands; ${usage}` };
  const value = context.env[body];
  if (value === undefined) return { error: `environment variable ${body} is not set (referenced as ${ref})` };
  return { value };
}

/** Regular files of at most maxReferencedFileBytes only: `${file:/dev/zero}` or a FIFO must not hang the loader. */
function readSecretFile(file: string, ref: string): { value: string } | { error: string } {
  const read = readRegularFileSync(file, maxReferencedFileBytes);
  if ('refused' in read) return { error: `${ref}: cannot read ${file}: ${refusalText(read.refused, 'it', 'a ${file:} or ${credential:} value')}` };
  return { value: read.text.replace(/(\r?\n)+$/, '') };
}

/**
 * Whether a value's template starts with an environment reference (`${EDGEPIPE_MODELS}/yolo.tflite`): a relative
 * path it yields is relative to the process's current directory, where the variable was set.
 */
export function envLedPath(template: string | undefined): boolean {
  const lead = /^\$\{([^}]*)\}/.exec(template ?? '');
  return lead !== null && envName.test(lead[1]!);
}

/** `${file:...}` and `${credential:...}`: references whose values are secrets wherever they are used. */
export function isSecretReference(ref: string): boolean {
  return ref.startsWith('${file:') || ref.startsWith('${credential:');
}

/** The last field name of a YAML path is a password, key or token (`sinks[0].password`, `tls.key`, `api_token`). */
export function isSecretField(yamlPath: string): boolean {
  const field = /([A-Za-z0-9_]+)(?:\[\d+\])*$/.exec(yamlPath)?.[1] ?? '';
  return /(?:^|_)(?:password|passphrase|passwd|secret|token|key|credentials?)$/i.test(field);
}

/**
 * Interpolates every string scalar of a tree in place, reporting problems at the value's position with its
 * YAML path. Field names are never interpolated.
 */
export function interpolateTree(node: TreeNode, yamlPath: string, context: InterpolationContext, problems: ProblemList): void {
  if (node.kind === 'map') {
    for (const entry of node.entries) interpolateTree(entry.value, yamlPath ? `${yamlPath}.${entry.key}` : entry.key, context, problems);
  } else if (node.kind === 'list') {
    node.items.forEach((item, i) => interpolateTree(item, `${yamlPath}[${i}]`, context, problems));
  } else {
    if (typeof node.value === 'string' && node.value.includes('$')) {
      const result = interpolateString(node.value, context);
      if ('errors' in result) {
        for (const error of result.errors) problems.add(node.pos, yamlPath, error);
        node.failed = true;
        node.value = null;
      } else {
        if (result.refs.length > 0) {
          node.refs = result.refs;
          node.template = node.value;
        }
        node.value = result.text;
        if (result.refs.some(isSecretReference)) node.secret = true;
      }
    }
  }
}

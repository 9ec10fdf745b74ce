/**
 * What `edgepipe install-service` does, as a list of actions planned first and then performed (or printed, with
 * --dry-run): the units from systemd/ with ExecStart pointing at this node and this package, the configuration
 * folder with a working example pipeline, and the systemctl calls. Paths are under a prefix so the same plan can
 * stage the files into an image or a test folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { colourClassifierModel } from '../demo/colour-classifier.js';
import { EdgepipeError } from '../runtime/errors.js';

export type InstallAction =
  | { kind: 'mkdir'; path: string }
  | { kind: 'write'; path: string; content: string | Uint8Array; what: string }
  | { kind: 'remove'; path: string; recursive: boolean }
  /** A command as an argument list; `mayFail`: a failure is reported and the rest goes on. */
  | { kind: 'run'; argv: string[]; mayFail: boolean };

export const unitNames = ['edgepipe.service', 'edgepipe@.service'] as const;

/** The program the shipped units start; replaced at install time by the real node and bin/edgepipe.js. */
export const shippedProgram = '/usr/bin/node /usr/lib/edgepipe/bin/edgepipe.js';

export interface InstallLayout {
  /** `/` on the board; another absolute folder to stage the files (no systemctl then). */
  prefix: string;
  /** The edgepipe package folder (holding bin/, dist/, systemd/). */
  packageRoot: string;
  /** The node binary the service runs. */
  node: string;
}

export const unitDir = (prefix: string): string => path.join(prefix, 'etc', 'systemd', 'system');
export const configDir = (prefix: string): string => path.join(prefix, 'etc', 'edgepipe');
export const pipelinesDir = (prefix: string): string => path.join(configDir(prefix), 'pipelines.d');

/**
 * One argument of an ExecStart= line: `%` and `$` are specifiers and variables to systemd, so they are doubled;
 * an argument with a space or a quote is double-quoted with C escapes.
 */
export function systemdArgument(value: string): string {
  if (/[\n\r]/.test(value)) throw new EdgepipeError('ERR_USAGE', `Expected a path without line breaks but received ${JSON.stringify(value)}`, { exitCode: 2 });
  const escaped = value.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/** The shipped unit with ExecStart running `node` on `bin`; throws if the unit no longer starts the shipped program. */
export function adaptUnit(text: string, name: string, node: string, bin: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`ExecStart=${shippedProgram} `));
  if (at < 0) throw new EdgepipeError('ERR_INTERNAL', `systemd/${name}: expected an ExecStart= line starting with "${shippedProgram}"`);
  lines[at] = lines[at]!.replace(shippedProgram, `${systemdArgument(node)} ${systemdArgument(bin)}`);
  return [`# Installed by edgepipe install-service from ${path.join('systemd', name)}; re-run it after an upgrade.`, ...lines].join('\n');
}

/**
 * The example pipeline: edgepipe's own colour classifier (no download) on a synthetic camera at one frame a
 * second, predictions to the state directory. Its model path is relative to the file, so it is valid under any
 * prefix.
 */
export const exampleYaml = `# Installed by edgepipe install-service: a pipeline that works on any board, so the service starts and can be
# watched (systemctl status edgepipe). Edgepipe's own tiny colour classifier on a synthetic camera, one frame a
# second, predictions to /var/lib/edgepipe/example.jsonl (rotated at 1 MB).
# Replace it with your own files (docs/configuration.md; examples in the package's pipelines/ folder), check them
# with \`edgepipe validate /etc/edgepipe/pipelines.d\`, then \`systemctl reload edgepipe\`.
version: 1
pipelines:
  - name: example
    source: { kind: synthetic, width: 64, height: 48, fps: 1, pattern: colours }
    model: { file: ../models/colour.tflite }
    postprocess: { kind: classify, top_k: 1 }
    stats_interval_s: 300
    sinks:
      - { kind: file, path: /var/lib/edgepipe/example.jsonl, max_bytes: 1048576, keep: 1 }
`;

/** Install: units (always rewritten: an upgrade re-runs it), folders, the example when no pipeline file exists. */
export function installPlan(layout: InstallLayout, options: { enable: boolean; withExample: boolean }): InstallAction[] {
  const { prefix, packageRoot, node } = layout;
  const bin = path.join(packageRoot, 'bin', 'edgepipe.js');
  const actions: InstallAction[] = [{ kind: 'mkdir', path: unitDir(prefix) }];
  for (const name of unitNames) {
    const text = readFileSync(path.join(packageRoot, 'systemd', name), 'utf8');
    actions.push({ kind: 'write', path: path.join(unitDir(prefix), name), content: adaptUnit(text, name, node, bin), what: `unit, ExecStart=${node} ${bin}` });
  }
  actions.push({ kind: 'mkdir', path: pipelinesDir(prefix) });
  if (options.withExample) {
    actions.push({ kind: 'mkdir', path: path.join(configDir(prefix), 'models') });
    actions.push({ kind: 'write', path: path.join(configDir(prefix), 'models', 'colour.tflite'), content: colourClassifierModel(), what: "the example's model" });
    actions.push({ kind: 'write', path: path.join(pipelinesDir(prefix), 'example.yaml'), content: exampleYaml, what: 'example pipeline' });
  }
  if (prefix === '/') {
    actions.push({ kind: 'run', argv: ['systemctl', 'daemon-reload'], mayFail: false });
    if (options.enable) actions.push({ kind: 'run', argv: ['systemctl', 'enable', '--now', 'edgepipe.service'], mayFail: false });
  }
  return actions;
}

/** Uninstall: stop and disable, remove the units; /etc/edgepipe only with purge. */
export function uninstallPlan(prefix: string, options: { purge: boolean }): InstallAction[] {
  const actions: InstallAction[] = [];
  // Not enabled or not loaded is fine: the point is that it no longer runs.
  if (prefix === '/') actions.push({ kind: 'run', argv: ['systemctl', 'disable', '--now', 'edgepipe.service'], mayFail: true });
  for (const name of unitNames) actions.push({ kind: 'remove', path: path.join(unitDir(prefix), name), recursive: false });
  if (options.purge) actions.push({ kind: 'remove', path: configDir(prefix), recursive: true });
  if (prefix === '/') actions.push({ kind: 'run', argv: ['systemctl', 'daemon-reload'], mayFail: false });
  return actions;
}

/** One line per action: `write /etc/systemd/system/edgepipe.service (unit, ...)`, `run systemctl daemon-reload`. */
export function describeAction(action: InstallAction): string {
  switch (action.kind) {
    case 'mkdir':
      return `mkdir ${action.path}`;
    case 'write':
      return `write ${action.path} (${action.what})`;
    case 'remove':
      return `remove ${action.path}${action.recursive ? ' (and everything in it)' : ''}`;
    case 'run':
      return `run ${action.argv.join(' ')}`;
  }
}

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
import { externalDependencies, type ExternalDependency } from './package-closure.js';

export type InstallAction =
  | { kind: 'mkdir'; path: string }
  | { kind: 'write'; path: string; content: string | Uint8Array; what: string }
  | { kind: 'remove'; path: string; recursive: boolean }
  /**
   * A folder copied whole (symlinks followed), replacing what `to` held; `.git` and `test` are left out. With
   * `dependencies` (an npm-installed package: its dependencies sit beside it), those go into `to`/node_modules.
   */
  | { kind: 'copy'; from: string; to: string; what: string; dependencies?: ExternalDependency[] }
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

/** Where a package the units could not reach is copied (the path the shipped units name). */
export const systemPackageDir = '/usr/lib/edgepipe';

/** A folder the service's sandbox hides, and the unit setting that hides it. */
export interface HiddenPath {
  path: string;
  setting: string;
}

const yes = /^(yes|true|on|1)$/i;

/**
 * The folders a unit's own settings hide from its process: PrivateTmp= (/tmp, /var/tmp: a fresh empty one),
 * ProtectHome= yes or tmpfs (/home, /root, /run/user; read-only still reads), InaccessiblePaths=,
 * TemporaryFileSystem=.
 */
export function hiddenPaths(unitText: string): HiddenPath[] {
  const hidden: HiddenPath[] = [];
  for (const raw of unitText.split('\n')) {
    const match = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    const setting = `${key}=${value}`;
    if (key === 'PrivateTmp' && yes.test(value)) for (const dir of ['/tmp', '/var/tmp']) hidden.push({ path: dir, setting });
    if (key === 'ProtectHome' && (yes.test(value) || value === 'tmpfs')) for (const dir of ['/home', '/root', '/run/user']) hidden.push({ path: dir, setting });
    if (key === 'InaccessiblePaths' || key === 'TemporaryFileSystem') {
      for (const item of value.split(/\s+/).filter(Boolean)) hidden.push({ path: item.replace(/^[-+]+/, '').split(':')[0]!, setting });
    }
  }
  return hidden;
}

/** The first hidden folder holding `file` (or equal to it). */
export function hiddenBy(file: string, hidden: readonly HiddenPath[]): HiddenPath | undefined {
  return hidden.find((h) => h.path !== '' && (file === h.path || file.startsWith(h.path.endsWith('/') ? h.path : `${h.path}/`)));
}

/**
 * Install: units (always rewritten: an upgrade re-runs it), folders, the example when no pipeline file exists.
 * ExecStart never names a path the unit's own sandbox hides: a package there (a clone under /tmp, a home folder)
 * is copied to /usr/lib/edgepipe first; a node binary there is refused (ERR_USAGE) with what to do.
 */
export function installPlan(layout: InstallLayout, options: { enable: boolean; withExample: boolean }): InstallAction[] {
  const { prefix, packageRoot, node } = layout;
  const texts = unitNames.map((name) => [name, readFileSync(path.join(packageRoot, 'systemd', name), 'utf8')] as const);
  const hidden = texts.flatMap(([, text]) => hiddenPaths(text));
  const nodeHidden = hiddenBy(node, hidden);
  if (nodeHidden) {
    throw new EdgepipeError(
      'ERR_USAGE',
      `node is ${node}, under ${nodeHidden.path}, which the service cannot see (${nodeHidden.setting} in the unit): install Node.js >= 20 ` +
        `system-wide (e.g. /usr/bin/node from your distribution or NodeSource) and run "sudo /usr/bin/node ${path.join(packageRoot, 'bin', 'edgepipe.js')} install-service"`,
      { exitCode: 2 },
    );
  }
  const actions: InstallAction[] = [];
  let root = packageRoot;
  const packageHidden = hiddenBy(packageRoot, hidden);
  if (packageHidden) {
    root = systemPackageDir;
    actions.push({ kind: 'mkdir', path: path.dirname(path.join(prefix, systemPackageDir)) });
    const dependencies = externalDependencies(packageRoot);
    actions.push({
      kind: 'copy',
      from: packageRoot,
      to: path.join(prefix, systemPackageDir),
      what: `the package: ${packageRoot} is under ${packageHidden.path}, which the service cannot see (${packageHidden.setting})`,
      ...(dependencies.length > 0 ? { dependencies } : {}),
    });
  }
  return [...actions, ...unitsAndConfig(layout, root, texts, options)];
}

function unitsAndConfig(layout: InstallLayout, root: string, texts: ReadonlyArray<readonly [string, string]>, options: { enable: boolean; withExample: boolean }): InstallAction[] {
  const { prefix, node } = layout;
  const bin = path.join(root, 'bin', 'edgepipe.js');
  const actions: InstallAction[] = [{ kind: 'mkdir', path: unitDir(prefix) }];
  for (const [name, text] of texts) {
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
    case 'copy': {
      const copied = `copy ${action.from} to ${action.to} (${action.what})`;
      const dependencies = action.dependencies ?? [];
      if (dependencies.length === 0) return copied;
      const folders = [...new Set(dependencies.map((d) => d.from.slice(0, d.from.length - d.name.length - 1)))];
      return `${copied}, with the ${dependencies.length} packages it needs from ${folders.join(', ')} into ${path.join(action.to, 'node_modules')}`;
    }
    case 'run':
      return `run ${action.argv.join(' ')}`;
  }
}

/** edgepipe install-service: put the systemd units and /etc/edgepipe in place and enable the service, or the reverse. */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { EdgepipeError } from '../runtime/errors.js';
import { describeAction, installPlan, pipelinesDir, uninstallPlan, type InstallAction } from '../service/install-plan.js';
import { parseCommand, stringOption } from './args.js';

export const installServiceHelp = `Usage: edgepipe install-service [--prefix DIR] [--dry-run] [--no-enable]
       edgepipe install-service --uninstall [--purge] [--prefix DIR] [--dry-run]

Installs edgepipe.service and edgepipe@.service into DIR/etc/systemd/system (ExecStart set to this node and this
package's bin/edgepipe.js), creates DIR/etc/edgepipe/pipelines.d and, when it holds no .yaml file yet, an example
pipeline that works on any board; then systemctl daemon-reload and enable --now edgepipe. A package where the
units' sandbox cannot see it (/tmp and /var/tmp: PrivateTmp=yes; /home, /root: ProtectHome=yes) is copied to
DIR/usr/lib/edgepipe first and the units run that copy; a node binary there is refused. Run it again after an
upgrade: the units are rewritten, pipeline files are never touched.

  --prefix DIR   root to install under (default /). Another folder stages the files and runs no systemctl.
  --dry-run      print the actions, change nothing
  --no-enable    do not enable or start the service
  --uninstall    disable --now, remove the units; /etc/edgepipe stays
  --purge        with --uninstall: remove /etc/edgepipe too (your pipeline files)

With --prefix / it needs root (sudo).`;

export async function installServiceCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand('install-service', argv, {
    prefix: { type: 'string' },
    uninstall: { type: 'boolean' },
    purge: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'no-enable': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (parsed.values['help']) {
    console.log(installServiceHelp);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    throw new EdgepipeError('ERR_USAGE', `edgepipe install-service takes no arguments but received "${parsed.positionals[0]}" (see --help)`, { exitCode: 2 });
  }
  const given = stringOption(parsed, 'prefix') ?? '/';
  if (!path.isAbsolute(given)) {
    throw new EdgepipeError('ERR_USAGE', `Expected an absolute folder for --prefix but received "${given}"`, { exitCode: 2 });
  }
  const prefix = path.resolve(given);
  const uninstall = parsed.values['uninstall'] === true;
  const purge = parsed.values['purge'] === true;
  const dryRun = parsed.values['dry-run'] === true;
  if (purge && !uninstall) throw new EdgepipeError('ERR_USAGE', '--purge goes with --uninstall (see --help)', { exitCode: 2 });
  if (prefix === '/' && !dryRun && process.getuid?.() !== 0) {
    throw new EdgepipeError(
      'ERR_USAGE',
      `installing into /etc/systemd/system needs root: run "sudo ${process.execPath} ${path.join(packageRoot(), 'bin', 'edgepipe.js')} install-service${uninstall ? ' --uninstall' : ''}", or stage the files with --prefix DIR`,
      { exitCode: 2 },
    );
  }
  let actions: InstallAction[];
  if (uninstall) {
    actions = uninstallPlan(prefix, { purge });
  } else {
    const root = packageRoot();
    actions = installPlan({ prefix, packageRoot: root, node: process.execPath }, { enable: parsed.values['no-enable'] !== true, withExample: !hasPipelineFiles(pipelinesDir(prefix)) });
  }
  for (const action of actions) {
    if (dryRun) {
      console.log(`would ${describeAction(action)}`);
      continue;
    }
    await perform(action);
    console.log(describeAction(action));
  }
  if (!dryRun && prefix !== '/') console.log(`staged under ${prefix}: no systemctl call (that happens with --prefix /)`);
  return 0;
}

function hasPipelineFiles(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((name) => /\.ya?ml$/i.test(name));
}

async function perform(action: InstallAction): Promise<void> {
  switch (action.kind) {
    case 'mkdir': {
      // The service's transient user must reach its files whatever root's umask is: folders this creates are
      // 0755 (existing ones are left as they are), files 0644.
      const first = await mkdir(action.path, { recursive: true });
      if (first === undefined) return;
      for (let dir = action.path; ; dir = path.dirname(dir)) {
        await chmod(dir, 0o755);
        if (dir === first || dir === path.dirname(dir)) break;
      }
      return;
    }
    case 'write': {
      // Written aside and renamed, so systemd or a reader never sees half a file.
      const temporary = `${action.path}.tmp-${process.pid}`;
      await writeFile(temporary, action.content);
      await chmod(temporary, 0o644);
      await rename(temporary, action.path);
      return;
    }
    case 'remove':
      await rm(action.path, { force: true, recursive: action.recursive });
      return;
    case 'copy': {
      // Copied aside, then swapped in: a failed copy leaves the previous install whole.
      const temporary = `${action.to}.tmp-${process.pid}`;
      const skipped = new Set([path.join(action.from, '.git'), path.join(action.from, 'test')]);
      await rm(temporary, { recursive: true, force: true });
      await cp(action.from, temporary, { recursive: true, dereference: true, filter: (source) => !skipped.has(source) });
      for (const dependency of action.dependencies ?? []) {
        await cp(dependency.from, path.join(temporary, 'node_modules', dependency.name), { recursive: true, dereference: true });
      }
      await chmod(temporary, 0o755);
      await rm(action.to, { recursive: true, force: true });
      await rename(temporary, action.to);
      return;
    }
    case 'run': {
      const failure = await run(action.argv);
      if (failure === undefined) return;
      if (!action.mayFail) throw new EdgepipeError('ERR_SYSTEMCTL', `${action.argv.join(' ')} failed: ${failure}`);
      console.error(`warning: ${action.argv.join(' ')}: ${failure}`);
    }
  }
}

/** Runs the command (argument list, no shell); resolves with why it failed, or undefined. */
function run(argv: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (!error) resolve(undefined);
      else resolve(stderr.trim().split('\n')[0] || error.message);
    });
  });
}

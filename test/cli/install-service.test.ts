/**
 * edgepipe install-service into a staging prefix (no systemctl there): the units with ExecStart adapted to this
 * node and this package (checked by systemd-analyze verify), an example pipeline that validates, the reverse.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptUnit, hiddenPaths, systemdArgument } from '../../src/service/install-plan.js';
import { runCli } from '../helpers/cli.js';
import { projectRoot } from '../helpers/shared-models.js';
import { findTool, missingToolReason } from '../service/tools.js';

const analyze = findTool('systemd-analyze');
const noAnalyze = missingToolReason('systemd-analyze', analyze, 'systemd') !== undefined;
const bin = path.join(projectRoot, 'bin', 'edgepipe.js');
// A checkout in a folder the unit's sandbox hides (a clone under /tmp) is installed as a copy: the test below that
// copies a package under /tmp covers that; these two need a checkout the service could run in place.
const checkoutHidden = hiddenPaths(readFileSync(path.join(projectRoot, 'systemd', 'edgepipe.service'), 'utf8')).some(
  (hidden) => projectRoot === hidden.path || projectRoot.startsWith(`${hidden.path}/`),
);
if (checkoutHidden) console.warn(`install-service: ${projectRoot} is hidden by the unit's sandbox; the in-place install tests are skipped`);

const units = (prefix: string) => path.join(prefix, 'etc', 'systemd', 'system');
const config = (prefix: string) => path.join(prefix, 'etc', 'edgepipe');
const fresh = () => mkdtempSync(path.join(tmpdir(), 'edgepipe-install-'));

/** `systemd-analyze verify` from the folder holding the units; any output is a failure (typos only print). */
function verify(dir: string, unit: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(analyze!, ['verify', `./${unit}`], { cwd: dir, env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

const withoutHeaderAndExecStart = (text: string) =>
  text.split('\n').filter((line) => !line.startsWith('ExecStart=') && !line.startsWith('# Installed by edgepipe install-service'));

describe('edgepipe install-service --prefix DIR', () => {
  it.skipIf(checkoutHidden)('installs the units with ExecStart on this node and package, the config folder and an example that validates', async () => {
    const prefix = fresh();
    const result = await runCli(['install-service', '--prefix', prefix, '--no-enable']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toMatch(/^run /m);
    expect(result.stdout).toContain(`staged under ${prefix}`);
    for (const [name, args] of [['edgepipe.service', 'run /etc/edgepipe/pipelines.d'], ['edgepipe@.service', 'run /etc/edgepipe/pipelines.d/%i.yaml']] as const) {
      const installed = readFileSync(path.join(units(prefix), name), 'utf8');
      expect(installed.split('\n')).toContain(`ExecStart=${process.execPath} ${bin} ${args}`);
      // Everything else is the shipped unit, hardening included.
      expect(withoutHeaderAndExecStart(installed)).toEqual(withoutHeaderAndExecStart(readFileSync(path.join(projectRoot, 'systemd', name), 'utf8')));
      expect(statSync(path.join(units(prefix), name)).mode & 0o777).toBe(0o644);
    }
    expect(statSync(path.join(config(prefix), 'pipelines.d')).mode & 0o777).toBe(0o755);
    const validated = await runCli(['validate', path.join(config(prefix), 'pipelines.d')]);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout + validated.stderr).toContain('ok: 1 pipeline(s) in 1 file(s)');
  });

  it.skipIf(noAnalyze)('the installed units pass systemd-analyze verify without a warning', async () => {
    const prefix = fresh();
    expect((await runCli(['install-service', '--prefix', prefix, '--no-enable'])).code).toBe(0);
    expect(await verify(units(prefix), 'edgepipe.service')).toEqual({ code: 0, output: '' });
    expect(await verify(units(prefix), 'edgepipe@front-door.service')).toEqual({ code: 0, output: '' });
  });

  it.skipIf(noAnalyze)('quotes a node path with a space and a %, and systemd reads it back as that path', async () => {
    const dir = fresh();
    const odd = path.join(dir, 'node 20%');
    mkdirSync(odd);
    symlinkSync(process.execPath, path.join(odd, 'node'));
    expect(systemdArgument(path.join(odd, 'node'))).toBe(`"${odd.replace('%', '%%')}/node"`);
    const shipped = readFileSync(path.join(projectRoot, 'systemd', 'edgepipe.service'), 'utf8');
    writeFileSync(path.join(dir, 'edgepipe.service'), adaptUnit(shipped, 'edgepipe.service', path.join(odd, 'node'), bin));
    // verify checks that ExecStart's program exists: it does only if the quoting was read back right.
    expect(await verify(dir, 'edgepipe.service')).toEqual({ code: 0, output: '' });
  });

  it('a second run rewrites the units but never touches pipeline files (no example once a file exists)', async () => {
    const prefix = fresh();
    expect((await runCli(['install-service', '--prefix', prefix, '--no-enable'])).code).toBe(0);
    const example = path.join(config(prefix), 'pipelines.d', 'example.yaml');
    writeFileSync(example, `${readFileSync(example, 'utf8')}# edited by the operator\n`);
    writeFileSync(path.join(units(prefix), 'edgepipe.service'), 'stale');
    const again = await runCli(['install-service', '--prefix', prefix, '--no-enable']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('example');
    expect(readFileSync(example, 'utf8')).toContain('# edited by the operator');
    expect(readFileSync(path.join(units(prefix), 'edgepipe.service'), 'utf8')).toContain('Type=notify');
  });

  it.skipIf(checkoutHidden)('--dry-run prints every action and changes nothing', async () => {
    const prefix = fresh();
    const result = await runCli(['install-service', '--prefix', prefix, '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      `would mkdir ${units(prefix)}`,
      `would write ${units(prefix)}/edgepipe.service (unit, ExecStart=${process.execPath} ${bin})`,
      `would write ${units(prefix)}/edgepipe@.service (unit, ExecStart=${process.execPath} ${bin})`,
      `would mkdir ${config(prefix)}/pipelines.d`,
      `would mkdir ${config(prefix)}/models`,
      `would write ${config(prefix)}/models/colour.tflite (the example's model)`,
      `would write ${config(prefix)}/pipelines.d/example.yaml (example pipeline)`,
    ]);
    expect(existsSync(path.join(prefix, 'etc'))).toBe(false);
  });

  it('--dry-run for / lists the systemctl calls (as argument lists) without needing root', async () => {
    const install = await runCli(['install-service', '--dry-run']);
    expect(install.stdout).toContain('would run systemctl daemon-reload\nwould run systemctl enable --now edgepipe.service');
    const uninstall = await runCli(['install-service', '--uninstall', '--dry-run']);
    expect(uninstall.stdout.trim().split('\n')).toEqual([
      'would run systemctl disable --now edgepipe.service',
      'would remove /etc/systemd/system/edgepipe.service',
      'would remove /etc/systemd/system/edgepipe@.service',
      'would run systemctl daemon-reload',
    ]);
  });

  it('--uninstall removes the units and keeps /etc/edgepipe; --purge removes it too', async () => {
    const prefix = fresh();
    expect((await runCli(['install-service', '--prefix', prefix, '--no-enable'])).code).toBe(0);
    const removed = await runCli(['install-service', '--uninstall', '--prefix', prefix]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(path.join(units(prefix), 'edgepipe.service'))).toBe(false);
    expect(existsSync(path.join(units(prefix), 'edgepipe@.service'))).toBe(false);
    expect(existsSync(path.join(config(prefix), 'pipelines.d', 'example.yaml'))).toBe(true);
    const purged = await runCli(['install-service', '--uninstall', '--purge', '--prefix', prefix]);
    expect(purged.code, purged.stderr).toBe(0);
    expect(existsSync(config(prefix))).toBe(false);
  });

  it('refuses bad flags with exit code 2 and a message naming them', async () => {
    const relative = await runCli(['install-service', '--prefix', 'stage']);
    expect(relative).toMatchObject({ code: 2 });
    expect(relative.stderr).toContain('Expected an absolute folder for --prefix but received "stage"');
    const purge = await runCli(['install-service', '--purge']);
    expect(purge.code).toBe(2);
    expect(purge.stderr).toContain('--purge goes with --uninstall');
  });

  it.skipIf(process.getuid?.() !== 0)('refuses politely without root for --prefix / (run as nobody)', async () => {
    const child = spawn(process.execPath, [bin, 'install-service'], { uid: 65534, gid: 65534, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('edgepipe install-service: installing into /etc/systemd/system needs root: run "sudo ');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  /** The package as a clone under /tmp would be: bin, dist, systemd, package.json, node_modules (a link). */
  function cloneUnderTmp(): string {
    const clone = mkdtempSync('/tmp/edgepipe-clone-');
    for (const part of ['bin', 'dist', 'systemd', 'package.json']) cpSync(path.join(projectRoot, part), path.join(clone, part), { recursive: true });
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(clone, 'node_modules'));
    return clone;
  }

  it('a package under /tmp (hidden by the unit\'s PrivateTmp=yes) is copied to /usr/lib/edgepipe, which ExecStart names', async () => {
    const clone = cloneUnderTmp();
    const prefix = fresh();
    const staged = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(clone, 'bin', 'edgepipe.js'), 'install-service', '--prefix', prefix, '--dry-run'], (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr }),
      );
    });
    expect(staged.code, staged.stderr).toBe(0);
    const lines = staged.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      `would mkdir ${prefix}/usr/lib`,
      `would copy ${clone} to ${prefix}/usr/lib/edgepipe (the package: ${clone} is under /tmp, which the service cannot see (PrivateTmp=yes))`,
    ]);
    expect(lines).toContain(`would write ${units(prefix)}/edgepipe.service (unit, ExecStart=${process.execPath} /usr/lib/edgepipe/bin/edgepipe.js)`);
    expect(staged.stdout).not.toContain(`ExecStart=${process.execPath} ${clone}`);
    // For / too: the copy comes before the units and the enable --now.
    const forRoot = await new Promise<string>((resolve) => {
      execFile(process.execPath, [path.join(clone, 'bin', 'edgepipe.js'), 'install-service', '--dry-run'], (_error, stdout) => resolve(stdout));
    });
    const rootLines = forRoot.trim().split('\n');
    expect(rootLines[1]).toBe(`would copy ${clone} to /usr/lib/edgepipe (the package: ${clone} is under /tmp, which the service cannot see (PrivateTmp=yes))`);
    expect(rootLines).toContain(`would write /etc/systemd/system/edgepipe.service (unit, ExecStart=${process.execPath} /usr/lib/edgepipe/bin/edgepipe.js)`);
    expect(rootLines.at(-1)).toBe('would run systemctl enable --now edgepipe.service');
  });

  it('a node binary the unit hides (under /tmp) is refused with what to run, exit code 2', async () => {
    const dir = mkdtempSync('/tmp/edgepipe-node-');
    const node = path.join(dir, 'node');
    try {
      linkSync(process.execPath, node); // a hard link keeps the path node reports as its own
    } catch {
      cpSync(process.execPath, node);
    }
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(node, [bin, 'install-service', '--prefix', fresh(), '--dry-run'], (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }));
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `edgepipe install-service: node is ${node}, under /tmp, which the service cannot see (PrivateTmp=yes in the unit): install Node.js >= 20 system-wide ` +
        `(e.g. /usr/bin/node from your distribution or NodeSource) and run "sudo /usr/bin/node ${bin} install-service"`,
    );
  });
});

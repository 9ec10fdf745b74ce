/** The unit files load without a warning and keep the hardening target (exposure <= 1.5, systemd 252). */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared-models.js';
import { findTool, missingToolReason } from './tools.js';

const analyze = findTool('systemd-analyze');
const skip = missingToolReason('systemd-analyze', analyze, 'systemd') !== undefined;
const unitDir = path.join(projectRoot, 'systemd');
// The template is checked through an instance name, as systemd would load it.
const units = ['edgepipe.service', 'edgepipe@front-door.service'];

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(analyze!, args, { cwd: unitDir, env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

function directives(file: string): string[] {
  return readFileSync(path.join(unitDir, file), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z]/.test(line));
}

describe.skipIf(skip)('systemd unit files', () => {
  it.each(units)('%s passes systemd-analyze verify without a single warning', async (unit) => {
    // verify exits 0 on unknown keys (typos) and only prints them: any output is a failure.
    // It also checks that ExecStart's program (/usr/bin/python3) exists on this machine.
    const result = await run(['verify', `./${unit}`]);
    expect(result).toEqual({ code: 0, output: '' });
  });

  it.each(units)('%s has an overall exposure level of at most 1.5', async (unit) => {
    const result = await run(['security', '--offline=true', `./${unit}`]);
    const match = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(result.output);
    expect(match, result.output).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(1.5);
  });
});

describe('unit file contract', () => {
  const unit = directives('edgepipe.service');

  it('is Type=notify with notifications only from the main PID, a watchdog and reload by SIGHUP', () => {
    for (const line of ['Type=notify', 'NotifyAccess=main', 'WatchdogSec=30', 'ExecReload=/bin/kill -HUP $MAINPID', 'Restart=on-failure']) {
      expect(unit).toContain(line);
    }
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /usr/lib/edgepipe/bin/edgepipe.js run /etc/edgepipe/pipelines.d',
    );
  });

  it('leaves MemoryDenyWriteExecute out (it kills the V8 JIT)', () => {
    expect(unit.some((line) => line.startsWith('MemoryDenyWriteExecute='))).toBe(false);
  });

  it('the template differs from the main unit only where an instance must', () => {
    const perInstance = /^(Description|ExecStart|StateDirectory|CacheDirectory|LogsDirectory|Environment=XDG_CACHE_HOME)/;
    const shared = (lines: string[]) => lines.filter((line) => !perInstance.test(line));
    expect(shared(directives('edgepipe@.service'))).toEqual(shared(unit));
  });
});

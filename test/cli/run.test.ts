/** edgepipe run as a process: SIGTERM drains and exits 0; a broken config exits 2 with positions, no stack. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { writeColourModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-run-'));
const model = writeColourModel(dir);
const output = path.join(dir, 'out.jsonl');
const config = path.join(dir, 'camera.yaml');
writeFileSync(config, [
  'version: 1',
  'pipelines:',
  '  - name: camera',
  '    source: { kind: synthetic, width: 160, height: 120, fps: 50, pattern: colours }',
  `    model: { file: "${model}" }`,
  '    postprocess: { kind: classify, top_k: 1 }',
  `    sinks: [ { kind: file, path: "${output}" } ]`,
].join('\n'));

function spawnRun(env: NodeJS.ProcessEnv): {
  process: ChildProcess;
  stderr: () => string;
  waitFor: (pattern: RegExp, ms: number) => Promise<void>;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
} {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  const waitFor = (pattern: RegExp, ms: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pattern.test(stderr)) return;
        clearTimeout(timer);
        child.stderr!.off('data', check);
        resolve();
      };
      const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms: ${stderr}`)), ms);
      child.stderr!.on('data', check);
      check();
    });
  return { process: child, stderr: () => stderr, waitFor, exited };
}

describe('edgepipe run', () => {
  it('on SIGTERM stops the source, finishes frames in flight, flushes the sinks and exits 0', async () => {
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 20 s: ${stderr}`)), 20_000);
      child.stderr.on('data', () => {
        if (stderr.includes('started')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('edgepipe: SIGTERM, stopping');
    const stats = JSON.parse(/info stats camera (\{.*\})/.exec(stderr)![1]!) as { state: string; framesIn: number; framesOut: number; drops: Record<string, number> };
    expect(stats.state).toBe('stopped');
    const lines = readFileSync(output, 'utf8').trim().split('\n');
    // Everything that reached the sink is on disk; every frame is accounted for.
    expect(lines).toHaveLength(stats.framesOut);
    const dropped = Object.values(stats.drops).reduce((a, b) => a + b, 0);
    expect(stats.framesOut + dropped).toBe(stats.framesIn);
    expect(stats.framesOut).toBeGreaterThan(5);
  });

  it('reloads on SIGHUP without systemd (no NOTIFY_SOCKET) and keeps running', async () => {
    const { NOTIFY_SOCKET: _socket, ...env } = process.env;
    const child = spawnRun(env);
    await child.waitFor(/file\(s\) started/, 20_000);
    child.process.kill('SIGHUP');
    await child.waitFor(/edgepipe: reloaded: 0 changed, 0 added, 0 removed, 1 unchanged; 1 pipeline\(s\)/, 20_000);
    expect(child.process.exitCode).toBeNull();
    expect(child.process.signalCode).toBeNull();
    child.process.kill('SIGTERM');
    const [code, signal] = await child.exited;
    expect({ code, signal }, child.stderr()).toEqual({ code: 0, signal: null });
  });

  it('a SIGTERM while the CLI is still being imported (before the files are loaded) stops it normally, exit 0', async () => {
    const child = spawnRun(process.env);
    // Sent the moment the first native addon (sharp's) is mapped: the CLI's import is under way, the files are not
    // loaded yet. (SigCgt cannot tell: node itself catches SIGTERM to restore the terminal, then re-raises it.)
    const pid = child.process.pid!;
    for (;;) {
      let maps: string;
      try {
        maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
      } catch {
        throw new Error(`the child ended before loading an addon: ${child.stderr()}`);
      }
      if (/\.node$/m.test(maps)) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    child.process.kill('SIGTERM');
    const [code, signal] = await child.exited;
    expect({ code, signal }, child.stderr()).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toMatch(/edgepipe: SIGTERM before the pipelines started, (exiting|stopping)/);
  });

  it('refuses a broken config with every problem and its position, exit code 2', async () => {
    const broken = path.join(dir, 'broken.yaml');
    writeFileSync(broken, ['version: 1', 'pipelines:', '  - name: Bad Name', '    source: { kind: webcam }', `    model: { file: "${model}" }`, '    postprocess: { kind: clasify }'].join('\n'));
    const result = await runCli(['run', broken]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${broken}:3:11: pipelines[0].name:`);
    expect(result.stderr).toMatch(/pipelines\[0\]\.postprocess\.kind: .*did you mean "classify"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate reports a model that does not fit its postprocessor', async () => {
    const mismatch = path.join(dir, 'mismatch.yaml');
    writeFileSync(mismatch, ['version: 1', 'pipelines:', '  - name: wrong', '    source: { kind: synthetic }', `    model: { file: "${model}" }`, '    postprocess: { kind: detect-ssd }'].join('\n'));
    const result = await runCli(['validate', mismatch]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/mismatch\.yaml:6:26: pipeline wrong: postprocess\.kind: detect-ssd needs the four TFLite_Detection_PostProcess outputs/);
  });
});

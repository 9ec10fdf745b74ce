/** edgepipe run as systemd runs it: journald-prefixed JSON log lines and the HTTP endpoint on a port from the OS. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { get } from './run-service.js';
import { parsePrometheusText } from './prometheus-parse.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-run-http-'));
const model = writeColourModel(dir);
const config = path.join(dir, 'camera.yaml');
writeFileSync(config, [
  'version: 1',
  'runtime:',
  '  http: { listen: "127.0.0.1:0" }',
  '  log: { format: json, modules: { stats: warn } }',
  'pipelines:',
  '  - name: camera',
  '    source: { kind: synthetic, width: 160, height: 120, fps: 50, pattern: colours }',
  `    model: { file: "${model}" }`,
  '    postprocess: { kind: classify, top_k: 1 }',
  '    stats_interval_s: 0.2',
  '    sinks: [ { kind: file, path: "${file:out-path}" } ]',
].join('\n'));


describe('edgepipe run under systemd with runtime.http', () => {
  it('logs JSON lines with priorities, serves /metrics and /healthz, never logs the ${file:...} value, exits 0 on SIGTERM', async () => {
    writeFileSync(path.join(dir, 'out-path'), path.join(dir, 'secret-name-out.jsonl'));
    const env = { ...process.env, JOURNAL_STREAM: '8:4242' };
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 20 s: ${stderr}`)), 20_000);
      child.stderr.on('data', () => {
        const listening = /http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
        if (listening && stderr.includes('started')) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const metrics = parsePrometheusText((await get(port, '/metrics')).body);
    expect(metrics.get('edgepipe_frames_out_total')!.samples[0]!.value).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    // TFLite's C library writes its own `INFO: ...` lines straight to fd 2; everything of ours is prefixed JSON.
    const lines = stderr
      .trim()
      .split('\n')
      .filter((line) => !/^(INFO|WARNING|ERROR): /.test(line));
    for (const line of lines) expect(line, line).toMatch(/^<[3467]>\{.*\}$/);
    const entries = lines.map((line) => JSON.parse(line.slice(3)) as { level: string; msg: string; module?: string });
    expect(entries.map((e) => e.msg)).toContain('edgepipe: SIGTERM, stopping');
    // stats lines are info; runtime.log.modules.stats: warn hides them.
    expect(entries.filter((e) => e.module === 'stats')).toEqual([]);
    expect(stderr).not.toContain('secret-name-out');
  });
});

/**
 * `edgepipe run` serves the live view on runtime.http (a real process): the address is logged, the state and a
 * frame answer; with auth from a token file the API needs the token; a non-loopback listen without auth is
 * refused at its line and column.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeExampleModels } from '../../src/demo/example-models.js';
import { runCli } from '../helpers/cli.js';
import { projectRoot } from '../helpers/shared-models.js';
import { request, until } from './live-harness.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function config(dir: string, http: string[]): string {
  writeExampleModels(path.join(dir, 'models'));
  const file = path.join(dir, 'run.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'runtime:',
      '  http:',
      ...http.map((line) => `    ${line}`),
      'pipelines:',
      '  - name: demo',
      '    source: { kind: synthetic, width: 160, height: 120, fps: 10, pattern: colours, frames: 0 }',
      `    model: { file: ${dir}/models/colour_classifier_int8.tflite }`,
      '    postprocess: { kind: classify, top_k: 1 }',
      '    stats_interval_s: 0',
      '    sinks: [ { kind: file, path: ' + dir + '/out.jsonl } ]',
      '',
    ].join('\n'),
  );
  return file;
}

async function run(file: string): Promise<{ port: number; stderr: () => string }> {
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await until(() => Number(/http: live view on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr)?.[1]), 60_000, `the live view's address; stderr: ${stderr}`);
  return { port, stderr: () => stderr };
}

describe('edgepipe run with runtime.http', () => {
  it('logs the live view address and serves the state and frames', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-run-live-'));
    const { port } = await run(config(dir, ['listen: 127.0.0.1:0']));
    const state = await until(async () => {
      const s = (await request(port, 'GET', '/api/state')).json<{ pipelines: Array<{ name: string; state: string }> }>();
      return s.pipelines[0]?.state === 'running' ? s : undefined;
    }, 60_000, 'the pipeline running');
    expect(state.pipelines.map((p) => p.name)).toEqual(['demo']);
    const frame = await request(port, 'GET', '/api/pipelines/demo/frame.jpg');
    expect([frame.status, frame.headers['content-type']]).toEqual([200, 'image/jpeg']);
  }, 90_000);

  it('with auth.token_file, the API needs the token', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-run-live-'));
    const token = 'a-token-of-enough-characters-0123';
    writeFileSync(path.join(dir, 'token'), `${token}\n`);
    const { port, stderr } = await run(config(dir, ['listen: 127.0.0.1:0', `auth: { token_file: ${dir}/token }`]));
    expect((await request(port, 'GET', '/api/state')).status).toBe(401);
    expect((await request(port, 'GET', '/api/state', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect(stderr()).not.toContain(token);
  }, 90_000);

  it('refuses a non-loopback listen without auth, at its line and column', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-run-live-'));
    const file = config(dir, ['listen: 0.0.0.0:0', 'allow_remote: true']);
    const result = await runCli(['validate', '--schema-only', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${file}:4:13: runtime.http.listen: "0.0.0.0" is not a loopback address: the live view's actions need a token there; set runtime.http.auth (token_file or credential), or use 127.0.0.1 and an SSH tunnel`,
    );
  }, 60_000);
});

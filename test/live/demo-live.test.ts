/** `npm run demo` prints the live view's address, and --live serves the page's API while it runs. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { CliChild } from '../watch/child.js';
import { request, until } from './live-harness.js';

describe('npm run demo and the live view', () => {
  it('prints the live view address on 127.0.0.1 and still classifies every frame', async () => {
    const result = await runCli(['demo']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^live view: http:\/\/127\.0\.0\.1:\d+\/ \(while the demo runs; --live keeps it running until Ctrl-C\)$/m);
    expect(result.stdout).toContain('every frame got the colour it shows');
  }, 90_000);

  it('--live keeps running and serves the state and frames until SIGTERM', async () => {
    const demo = new CliChild(['demo', '--live']);
    try {
      const [, port] = (await demo.waitFor(/live view: http:\/\/127\.0\.0\.1:(\d+)\//u)) as [string, string];
      const state = await until(async () => {
        const s = (await request(Number(port), 'GET', '/api/state')).json<{ pipelines: Array<{ name: string; state: string }> }>();
        return s.pipelines[0]?.state === 'running' ? s : undefined;
      }, 60_000, 'the demo pipeline running');
      expect(state.pipelines[0]!.name).toBe('demo');
      const frame = await request(Number(port), 'GET', '/api/pipelines/demo/frame.jpg');
      expect(frame.status).toBe(200);
    } finally {
      demo.signal('SIGTERM');
    }
    expect(await demo.exited, demo.stderr).toBe(0);
  }, 90_000);
});

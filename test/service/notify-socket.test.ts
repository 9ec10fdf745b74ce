/**
 * Integration with a real AF_UNIX datagram socket, the way systemd listens on NOTIFY_SOCKET: SO_PASSCRED on, so
 * each datagram carries the sender's PID. The receiver is python3 (test side only); the sender is the service's own
 * node process, started as the unit starts it (node bin/edgepipe.js run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { listen, listenerSkipReason } from './notify-listener.js';

const skip = listenerSkipReason() !== undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-notify-'));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe.skipIf(skip)('notifications on a real unix datagram socket', () => {
  it('edgepipe run: READY after start, STATUS and WATCHDOG, RELOADING/READY on SIGHUP, STOPPING on SIGTERM', async () => {
    const { address, received, next } = await listen(children);
    const model = writeColourModel(dir);
    const config = path.join(dir, 'camera.yaml');
    writeFileSync(config, [
      'version: 1',
      'pipelines:',
      '  - name: camera',
      '    source: { kind: synthetic, width: 64, height: 48, fps: 20, pattern: colours }',
      `    model: { file: "${model}" }`,
      '    postprocess: { kind: classify, top_k: 1 }',
      `    sinks: [ { kind: file, path: "${path.join(dir, 'out.jsonl')}" } ]`,
    ].join('\n'));
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], {
      // 1 s watchdog: a ping every 500 ms while frames flow.
      env: { ...process.env, NOTIFY_SOCKET: address, WATCHDOG_USEC: '1000000', WATCHDOG_PID: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const log = (): string => `stderr: ${stderr}`;

    const ready = await next((d) => d.message.startsWith('READY=1'), 'READY=1', log);
    expect(ready.message).toBe('READY=1\nSTATUS=1/1 pipelines running; delegate xnnpack');
    expect(stderr).toContain(`service: notifying systemd through unix datagram socket ${address}`);
    // Sent from the service's own PID, so NotifyAccess=main accepts it.
    expect(ready.pid).toBe(child.pid);
    const ping = await next((d) => d.message.startsWith('WATCHDOG=1\nSTATUS='), 'WATCHDOG=1 after READY', log);
    expect(ping.message).toMatch(/^WATCHDOG=1\nSTATUS=1\/1 pipelines running; \d+\.\d fps out; delegate xnnpack$/);

    child.kill('SIGHUP');
    const reloading = await next((d) => d.message.startsWith('RELOADING=1'), 'RELOADING=1', log);
    expect(reloading.message).toMatch(/^RELOADING=1\nMONOTONIC_USEC=\d+\nSTATUS=reloading pipelines$/);
    await next((d) => d.message.startsWith('READY=1'), 'READY=1 after the reload', log);
    expect(stderr).toContain('edgepipe: reloaded: 0 changed, 0 added, 0 removed, 1 unchanged; 1 pipeline(s)');

    // A file that no longer validates: the reload is refused, the running pipelines stay, READY=1 again.
    writeFileSync(config, 'version: 1\npipelines:\n  - name: Bad Name\n');
    child.kill('SIGHUP');
    await next((d) => d.message.startsWith('RELOADING=1'), 'RELOADING=1 (broken file)', log);
    const again = await next((d) => d.message.startsWith('READY=1'), 'READY=1 after the refused reload', log);
    expect(again.message).toBe('READY=1\nSTATUS=reload refused (4 problems in the configuration), pipelines unchanged; 1/1 pipelines running; delegate xnnpack');
    expect(stderr).toMatch(/edgepipe: reload refused: \S+camera\.yaml:3:\d+: pipelines\[0\]\.name: /);

    child.kill('SIGTERM');
    const stopping = await next((d) => d.message.startsWith('STOPPING=1'), 'STOPPING=1', log);
    expect(stopping.message).toBe('STOPPING=1\nSTATUS=stopping: SIGTERM, stopping');
    expect(await new Promise((resolve) => child.on('exit', resolve)), log()).toBe(0);

    // Every datagram came from the PID systemd would know as MainPID, in this order.
    expect(new Set(received.map((d) => d.pid))).toEqual(new Set([child.pid]));
    // Pings may come before READY (probing) and at any tick; the rest is fixed.
    // A STATUS-only datagram is a tick without a ping (a loaded machine can make a 500 ms tick with no frame).
    const kinds = received.map((d) => d.message.split('\n')[0]).filter((kind) => !kind!.startsWith('STATUS=')).filter((kind, i, all) => kind !== all[i - 1]);
    expect(kinds.join(' ')).toMatch(/^(WATCHDOG=1 )?READY=1 WATCHDOG=1 RELOADING=1 (WATCHDOG=1 )?READY=1 (WATCHDOG=1 )?RELOADING=1 (WATCHDOG=1 )?READY=1 (WATCHDOG=1 )?STOPPING=1$/);
  });
});

/**
 * The watchdog with a real hang: `edgepipe run` under a real notify socket with WATCHDOG_USEC, a sensor pipeline
 * whose delegate (a C plugin) blocks inside TFLiteInterpreterInvoke after a few frames. The event loop stays alive,
 * but the pipeline makes no progress: the WATCHDOG=1 pings must stop (systemd would restart the service), and
 * resume when the invoke is released.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildDelegatePlugin } from '../helpers/build-c.js';
import { writeSensorModel } from '../helpers/sensor-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { listen, listenerSkipReason } from './notify-listener.js';

const skip = listenerSkipReason() !== undefined;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function fakeAccelerometer(root: string): void {
  const device = path.join(root, 'iio:device0');
  mkdirSync(device, { recursive: true });
  for (const [file, text] of Object.entries({ name: 'lis3dh', in_accel_x_raw: '1', in_accel_y_raw: '2', in_accel_z_raw: '3' })) {
    writeFileSync(path.join(device, file), `${text}\n`);
  }
}

describe.skipIf(skip)('edgepipe run: watchdog with a hung delegate', () => {
  it('stops the WATCHDOG=1 pings while an invoke hangs, and pings again once it returns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-watchdog-'));
    const plugin = await buildDelegatePlugin('int8_fc');
    const releaseFile = path.join(dir, 'release');
    const descriptors = path.join(dir, 'delegates');
    mkdirSync(descriptors);
    // hang_after 5: invokes 1-5 run, the 6th blocks until release_file exists.
    writeFileSync(
      path.join(descriptors, 'int8_fc.yaml'),
      ['version: 1', 'name: int8_fc', 'abi: plugin', 'library:', `  names: [${path.basename(plugin)}]`, '  search_paths:', `    ${process.arch}: [${path.dirname(plugin)}]`,
        'options:', '  hang_after: "5"', `  release_file: "${releaseFile}"`].join('\n'),
    );
    const iio = path.join(dir, 'iio');
    fakeAccelerometer(iio);
    const { file: model } = writeSensorModel(dir, 'fc.tflite', 4 * 3, 1);
    const config = path.join(dir, 'hang.yaml');
    writeFileSync(
      config,
      [
        'version: 1',
        'runtime:',
        `  delegate_dirs: ["${descriptors}"]`,
        'pipelines:',
        '  - name: imu',
        `    source: { kind: iio, device: lis3dh, channels: [accel_x, accel_y, accel_z], rate_hz: 100, root: "${iio}", window: { length: 4 } }`,
        // No failover: the hang must show as a stall (a timeout would move the model to the CPU and keep progressing).
        `    model: { file: "${model}", delegates: [int8_fc], health: { timeout_ms: 600000, reprobe_s: 0 } }`,
        '    postprocess: { kind: scalar }',
        '    buffer: { policy: queue, size: 8 }',
        '    stats_interval_s: 0',
      ].join('\n'),
    );
    const listener = await listen(children);
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], {
      env: { ...process.env, NOTIFY_SOCKET: listener.address, WATCHDOG_USEC: '600000', WATCHDOG_PID: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const log = (): string => `stderr: ${stderr}`;

    await listener.next((d) => d.message.startsWith('READY=1'), 'READY=1', log);
    // Frames flow through the first five invokes, then the sixth hangs: the service says it is stalled.
    await listener.next((d) => d.message.startsWith('WATCHDOG=1\nSTATUS=1/1 pipelines running'), 'a ping while frames flow', log);
    const stalled = await listener.next((d) => d.message.includes('STATUS=stalled'), 'the stalled status', log);
    expect(stalled.message).not.toContain('WATCHDOG=1');
    expect(stderr).toContain('service: no progress in imu, watchdog ping withheld');
    // Pings every 300 ms when healthy; none for two seconds of the hang.
    const at = listener.received.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(listener.received.slice(at).filter((d) => d.message.startsWith('WATCHDOG=1'))).toEqual([]);
    // Released: the invoke returns, frames flow, pings come back.
    writeFileSync(releaseFile, '');
    await listener.next((d) => d.message.startsWith('WATCHDOG=1'), 'a ping after the release', log);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
  });
});

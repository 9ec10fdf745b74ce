/**
 * Integration with a real AF_UNIX datagram socket, the way systemd listens on NOTIFY_SOCKET: SO_PASSCRED on, so
 * each datagram carries the sender's PID. The receiver is python3 (test side only); the sender is the service's own
 * node process, started through systemd/notify-exec exactly as the unit starts it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { writeColourModel } from '../helpers/image-models.js';
import { projectRoot } from '../helpers/shared-models.js';
import { findTool, missingToolReason } from './tools.js';

const python = findTool('python3', ['/usr/bin/python3']);
const skip = missingToolReason('python3', python, 'python3') !== undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-notify-'));

// Binds the address (a path, or @name for the abstract namespace), prints "ready", then one JSON line per datagram.
const listenerSource = `
import json, socket, struct, sys
address = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\\0" + address[1:] if address.startswith("@") else address)
print("ready", flush=True)
while True:
    data, ancillary, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
    print(json.dumps({"pid": pid, "message": data.decode()}), flush=True)
`;

interface Datagram {
  pid: number;
  message: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Starts the receiver; `next(test)` resolves with the first datagram (from now on) that passes `test`. */
async function listen(address: string) {
  const child = spawn(python!, ['-c', listenerSource, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const received: Datagram[] = [];
  const waiters: Array<() => void> = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.on('line', (line) => {
    received.push(JSON.parse(line) as Datagram);
    for (const wake of waiters.splice(0)) wake();
  });
  let seen = 0;
  const next = async (test: (d: Datagram) => boolean, what: string, context: () => string): Promise<Datagram> => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      while (seen < received.length) {
        const datagram = received[seen++]!;
        if (test(datagram)) return datagram;
      }
      if (Date.now() > deadline) throw new Error(`no ${what} within 45 s; received ${JSON.stringify(received)}; ${context()}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
  };
  return { received, next };
}

describe.skipIf(skip)('notifications on a real unix datagram socket', () => {
  it('edgepipe run: READY after start, STATUS and WATCHDOG, RELOADING/READY on SIGHUP, STOPPING on SIGTERM', async () => {
    const address = `@edgepipe-test-${process.pid}-${Date.now()}`; // abstract namespace, as systemd uses
    const { received, next } = await listen(address);
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
    expect(stderr).toContain('edgepipe: reloaded, 1 pipeline(s)');

    // A file that no longer validates: the reload is refused, the running pipelines stay, READY=1 again.
    writeFileSync(config, 'version: 1\npipelines:\n  - name: Bad Name\n');
    child.kill('SIGHUP');
    await next((d) => d.message.startsWith('RELOADING=1'), 'RELOADING=1 (broken file)', log);
    const again = await next((d) => d.message.startsWith('READY=1'), 'READY=1 after the refused reload', log);
    expect(again.message).toBe('READY=1\nSTATUS=1/1 pipelines running; delegate xnnpack');
    expect(stderr).toContain('edgepipe: reload refused, pipelines unchanged:');

    child.kill('SIGTERM');
    const stopping = await next((d) => d.message.startsWith('STOPPING=1'), 'STOPPING=1', log);
    expect(stopping.message).toBe('STOPPING=1\nSTATUS=stopping: SIGTERM, stopping');
    expect(await new Promise((resolve) => child.on('exit', resolve)), log()).toBe(0);

    // Every datagram came from the PID systemd would know as MainPID, in this order.
    expect(new Set(received.map((d) => d.pid))).toEqual(new Set([child.pid]));
    // Pings may come before READY (probing) and at any tick; the rest is fixed.
    const kinds = received.map((d) => d.message.split('\n')[0]).filter((kind, i, all) => kind !== all[i - 1]);
    expect(kinds.join(' ')).toMatch(/^(WATCHDOG=1 )?READY=1 WATCHDOG=1 RELOADING=1 (WATCHDOG=1 )?READY=1 (WATCHDOG=1 )?RELOADING=1 (WATCHDOG=1 )?READY=1 (WATCHDOG=1 )?STOPPING=1$/);
  });
});

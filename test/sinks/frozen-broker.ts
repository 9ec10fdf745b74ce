/**
 * A real Mosquitto that a test can freeze: SIGSTOP leaves its sockets open (the kernel still accepts bytes into
 * their buffers) but nothing is read or answered, as when a broker's host hangs. No PUBACK, no PINGRESP, no close:
 * only the client's own timers can end its waits. Run with the shipped configuration (shippedConfig).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, shippedConfig } from './mqtt-broker.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });
}

export class FreezableBroker {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(binary: string): Promise<FreezableBroker> {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-frozen-broker-'));
    const port = await freePort();
    const lines = [...shippedConfig(dir, port), ...(process.getuid?.() === 0 ? ['user root'] : [])];
    await writeFile(path.join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
    const child = spawn(binary, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    for (let i = 0; i < 200; i++) {
      if (await canConnect(port)) return new FreezableBroker(child, dir, port);
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`mosquitto did not start on port ${port}: ${stderr.trim()}`);
  }

  /** SIGSTOP: the broker stops reading and answering; its connections stay open. */
  freeze(): void {
    this.child.kill('SIGSTOP');
  }

  /** SIGCONT: the broker goes on with what its sockets buffered meanwhile. */
  thaw(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGCONT');
  }

  /** Kills it (thawed first, so nothing of it is left stopped) and removes its folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A real Mosquitto for tests, run with the shipped deploy/mosquitto/edgepipe.conf: on 127.0.0.1 with a port from
 * the OS, persistence in a temp folder, and an autosave every second instead of 300 s (so a SIGKILL-ed broker
 * restarted on the same port keeps the sessions the tests create). Without mosquitto the tests skip locally and fail
 * under CI=true.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';

/** The mosquitto binary (PATH, then /usr/sbin), or undefined. */
export function findMosquitto(): string | undefined {
  for (const dir of [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const file = path.join(dir, 'mosquitto');
    if (dir && existsSync(file) && spawnSync(file, ['-h']).error === undefined) return file;
  }
  return undefined;
}

/** Whether broker tests should run; under CI a missing broker is an error, locally a skip with a message. */
export function mosquittoOrSkip(): string | undefined {
  const binary = findMosquitto();
  if (binary) return binary;
  if (process.env['CI'] === 'true') throw new Error('mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients)');
  process.stderr.write('skipping MQTT broker tests: mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients)\n');
  return undefined;
}

/** A port the OS says is free on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });
}

const shipped = readFileSync(new URL('../../deploy/mosquitto/edgepipe.conf', import.meta.url), 'utf8').split('\n');

/** One line replaced; fails when the shipped file no longer has it (so a test cannot silently run on defaults). */
export function replaceLine(lines: readonly string[], from: string | RegExp, to: string): string[] {
  const index = lines.findIndex((line) => (typeof from === 'string' ? line === from : from.test(line)));
  if (index < 0) throw new Error(`deploy/mosquitto/edgepipe.conf has no line ${String(from)}`);
  return lines.map((line, i) => (i === index ? to : line));
}

/** deploy/mosquitto/edgepipe.conf listening on 127.0.0.1:`port`, with its persistence in `dir`. */
export function shippedConfig(dir: string, port: number): string[] {
  const lines = replaceLine(shipped, 'listener 1883 127.0.0.1', `listener ${port} 127.0.0.1`);
  return replaceLine(lines, 'persistence_location /var/lib/mosquitto/', `persistence_location ${dir}/`);
}

export class Mosquitto {
  private child: ChildProcess | undefined;

  private constructor(
    private readonly binary: string,
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** The shipped configuration (shippedConfig) with a 1 s autosave. */
  static start(binary: string): Promise<Mosquitto> {
    return Mosquitto.startWith(binary, (dir, port) => replaceLine(shippedConfig(dir, port), 'autosave_interval 300', 'autosave_interval 1'));
  }

  /**
   * A broker with the configuration lines `config(dir, port)` returns (its folder, for files such as certificates,
   * is created first; `prepare` may write them). As root, `user root` is added so it can read the temp folder.
   */
  static async startWith(
    binary: string,
    config: (dir: string, port: number) => string[],
    prepare?: (dir: string) => Promise<void> | void,
  ): Promise<Mosquitto> {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-mosquitto-'));
    const port = await freePort();
    await prepare?.(dir);
    const lines = [...config(dir, port), ...(process.getuid?.() === 0 ? ['user root'] : [])];
    await writeFile(path.join(dir, 'mosquitto.conf'), `${lines.join('\n')}\n`);
    const broker = new Mosquitto(binary, dir, port);
    await broker.run();
    return broker;
  }

  /** SIGHUP: Mosquitto reloads its password and ACL files. */
  reload(): void {
    this.child?.kill('SIGHUP');
  }

  /** (Re)starts the broker on the same port and persistence; resolves once it accepts connections. */
  async run(): Promise<void> {
    const child = spawn(this.binary, ['-c', path.join(this.dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`mosquitto did not start on port ${this.port}: ${stderr.trim()}`);
  }

  /**
   * Waits until the broker saved its state (autosave every 1 s) after now: sessions created before this call
   * survive a SIGKILL. On a loaded host a fixed pause is not enough.
   */
  async saved(timeoutMs = 15_000): Promise<void> {
    const since = Date.now();
    const file = path.join(this.dir, 'mosquitto.db');
    while (Date.now() - since < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const mtime = await stat(file).then((s) => s.mtimeMs, () => 0);
      if (mtime > since + 50) return;
    }
    throw new Error(`mosquitto did not save ${file} within ${timeoutMs} ms`);
  }

  async running(): Promise<boolean> {
    return this.child !== undefined && this.child.exitCode === null && (await canConnect(this.port));
  }

  /** SIGTERM: a clean stop, Mosquitto saves its database on the way out. */
  async terminate(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** SIGKILL: no final save, like a power cut. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** An MQTT 5 subscriber that collects payloads of `topic` (persistent session: survives a broker restart). */
export class Subscriber {
  readonly messages: string[] = [];

  private constructor(readonly client: MqttClient) {}

  static async start(url: string, topic: string, options: IClientOptions = {}): Promise<Subscriber> {
    const client = connect(url, { protocolVersion: 5, reconnectPeriod: 200, ...options });
    const subscriber = new Subscriber(client);
    client.on('message', (t, payload) => {
      if (t === topic) subscriber.messages.push(payload.toString('utf8'));
    });
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(topic, { qos: 1 }, (error) => (error ? reject(error) : resolve())));
    });
    return subscriber;
  }

  /** Waits until at least `count` messages arrived, or `quietMs` without a new one (at most `timeoutMs`). */
  async settle(count = Infinity, quietMs = 150, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    while (Date.now() < deadline && this.messages.length < count) {
      if (seen === this.messages.length && count === Infinity) break;
      seen = this.messages.length;
      await new Promise((resolve) => setTimeout(resolve, quietMs));
    }
    return [...this.messages];
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
  }
}

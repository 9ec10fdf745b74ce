/**
 * `edgepipe run` as systemd runs it, for the reload tests: a real process with NOTIFY_SOCKET on a real datagram
 * socket, and runtime.http on a port from the OS for /status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../helpers/shared-models.js';
import { listen, type Datagram, type Listener } from './notify-listener.js';

export interface PipelineStatus {
  name: string;
  state: string;
  attempts: number;
  framesIn: number;
  framesOut: number;
  lastError?: string;
}

export interface RunningService {
  child: ChildProcess;
  listener: Listener;
  stderr(): string;
  /** Pipelines from GET /status. */
  status(): Promise<PipelineStatus[]>;
  /** Sends SIGHUP; resolves with the READY=1 datagram that ends the reload. */
  reload(): Promise<Datagram>;
  /** Polls /status until `test` holds (45 s at most). */
  until(test: (pipelines: PipelineStatus[]) => boolean, what: string): Promise<PipelineStatus[]>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

function getJson(port: number, pathname: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

/** Starts `edgepipe run config` and waits for READY=1 (the config must set runtime.http.listen 127.0.0.1:0). */
export async function startService(config: string, children: ChildProcess[]): Promise<RunningService> {
  const listener = await listen(children);
  const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], {
    env: { ...process.env, NOTIFY_SOCKET: listener.address },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const log = (): string => `stderr: ${stderr}`;
  await listener.next((d) => d.message.startsWith('READY=1'), 'READY=1', log);
  const port = Number(/http: listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
  const status = async (): Promise<PipelineStatus[]> => ((await getJson(port, '/status')) as { pipelines: PipelineStatus[] }).pipelines;
  return {
    child,
    listener,
    stderr: () => stderr,
    status,
    reload: async () => {
      child.kill('SIGHUP');
      await listener.next((d) => d.message.startsWith('RELOADING=1'), 'RELOADING=1', log);
      return listener.next((d) => d.message.startsWith('READY=1'), 'READY=1 after the reload', log);
    },
    until: async (test, what) => {
      const deadline = Date.now() + 45_000;
      for (;;) {
        const pipelines = await status();
        if (test(pipelines)) return pipelines;
        if (Date.now() > deadline) throw new Error(`${what}: not within 45 s; /status ${JSON.stringify(pipelines)}; ${log()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: async () => {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** How often `pipeline NAME: running on` was logged: once per start of that pipeline. */
export function starts(stderr: string, name: string): number {
  return stderr.split('\n').filter((line) => line.includes(`pipeline ${name}: running on `)).length;
}

/** GET http://127.0.0.1:port/pathname on a fresh connection: the status and the whole body. */
export const get = (port: number, pathname: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

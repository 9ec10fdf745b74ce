/**
 * The HTTP endpoint against hostile clients (issue 11), in this process: thousands of generated requests over raw
 * TCP must leave it answering /healthz with no uncaught error and no error logged; connections beyond the cap are
 * closed on arrival; slow and idle connections are closed after their timeouts.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { HttpEndpoint, defaultHttpLimits, requestPath, type HttpLimits } from '../../src/service/http-endpoint.js';
import { MetricsRegistry } from '../../src/service/metrics.js';
import { configError, placeholderModel, problemLines } from '../config/helpers.js';
import { exchange, fuzz, rawGet } from './http-fuzz.js';

const endpoints: HttpEndpoint[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(endpoints.splice(0).map((e) => e.stop()));
});

async function start(limits: Partial<HttpLimits> = {}): Promise<{ endpoint: HttpEndpoint; port: number; logger: ReturnType<typeof memoryLogger> }> {
  const logger = memoryLogger();
  const endpoint = new HttpEndpoint({ listen: '127.0.0.1:0', limits, supervisors: () => [], registry: new MetricsRegistry(), logger });
  endpoints.push(endpoint);
  return { endpoint, port: (await endpoint.start()).port, logger };
}

async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A client connection that records when it was closed by the server. */
interface Client {
  socket: net.Socket;
  closedAt: () => number | undefined;
  data: () => string;
}

function connect(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    let closedAt: number | undefined;
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset is a close here
    socket.on('close', () => (closedAt = performance.now()));
    socket.once('connect', () => resolve({ socket, closedAt: () => closedAt, data: () => data }));
    socket.once('error', reject);
  });
}

describe('requestPath', () => {
  it('takes the path of origin- and absolute-form targets and never throws', () => {
    expect(requestPath('/metrics?x=1#f')).toBe('/metrics');
    expect(requestPath('http://localhost:9108/healthz?probe')).toBe('/healthz');
    expect(requestPath('http://localhost')).toBe('/');
    // `new URL('//', base)` threw "Invalid URL" here and ended the process.
    expect(requestPath('//')).toBe('//');
    expect(requestPath('*')).toBe('*');
    expect(requestPath('%')).toBe('%');
    expect(requestPath('/health%7a')).toBe('/health%7a');
    expect(requestPath(undefined)).toBe('');
  });
});

describe('the HTTP endpoint under hostile requests', () => {
  it('answers GET // with 404 and stays up (it threw Invalid URL outside the try)', async () => {
    const { port, logger } = await start();
    expect(await rawGet(port, '//')).toEqual({ status: 404, body: 'not found: try /healthz, /metrics or /status\n' });
    expect(await rawGet(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(logger.entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
  });

  it('survives 3000 generated requests over raw TCP and still answers /healthz', async () => {
    const uncaught: unknown[] = [];
    const monitor = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtExceptionMonitor', monitor);
    process.on('unhandledRejection', monitor);
    try {
      const { endpoint, port, logger } = await start();
      const began = performance.now();
      // 32 at a time, below the cap of 64: none is refused for the count. A truncated request the client does not
      // half-close waits for the headers timeout; the client gives up after 300 ms.
      const statuses = await fuzz(port, { seed: 11, count: 3000, concurrency: 32, timeoutMs: 300 });
      const seconds = (performance.now() - began) / 1000;
      console.log(`fuzz: 3000 requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(statuses))}; refusals ${JSON.stringify(endpoint.refusals())}`);
      expect(uncaught).toEqual([]);
      // Only answers a client error or a route can give (100: Node's answer to `Expect: 100-continue`).
      expect([...statuses.keys()].filter((s) => ![0, 100, 200, 400, 404, 405, 408, 431].includes(s))).toEqual([]);
      expect(statuses.get(400)).toBeGreaterThan(100);
      expect(statuses.get(404)).toBeGreaterThan(100);
      expect(statuses.get(431)).toBeGreaterThan(10);
      expect(endpoint.refusals()).toMatchObject({ connections: 0, serverErrors: 0 });
      expect(endpoint.refusals().clientErrors).toBeGreaterThan(100);
      expect(await rawGet(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
      expect(logger.entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
    } finally {
      process.off('uncaughtExceptionMonitor', monitor);
      process.off('unhandledRejection', monitor);
    }
  }, 120_000);

  it('answers 431 to headers over 8 KiB and closes', async () => {
    const { port } = await start();
    const result = await exchange(port, Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(8200)}\r\n\r\n`), { halfClose: false, timeoutMs: 10_000 });
    expect(result.response).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect((await exchange(port, Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(7000)}\r\n\r\n`), { halfClose: true, timeoutMs: 10_000 })).response).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('the HTTP endpoint limits', () => {
  it('has the documented defaults', () => {
    expect(defaultHttpLimits).toEqual({
      maxConnections: 64,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5000,
      idleTimeoutMs: 10_000,
      maxHeaderBytes: 8192,
      checkIntervalMs: 1000,
    });
  });

  it('closes connections beyond maxConnections on arrival, logs it once, and serves again when they go', async () => {
    const { endpoint, port, logger } = await start({ maxConnections: 4, idleTimeoutMs: 60_000, headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
    const held: Client[] = [];
    for (let i = 0; i < 4; i += 1) {
      held.push(await connect(port));
      // Each is accepted before the next connects: a request on it is answered.
      held[i]!.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => held[i]!.data().includes('\r\n\r\nok\n'), `held connection ${i} answered`);
    }
    const extra = await Promise.all(Array.from({ length: 20 }, () => connect(port)));
    await until(() => extra.every((c) => c.closedAt() !== undefined), 'the 20 connections over the cap closed');
    expect(endpoint.refusals().connections).toBe(20);
    expect(extra.map((c) => c.data())).toEqual(Array(20).fill(''));
    expect(held.map((c) => c.closedAt())).toEqual([undefined, undefined, undefined, undefined]);
    expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.message)).toEqual([
      'http: 4 connections open (runtime.http.max_connections): a new one was closed on arrival',
    ]);
    for (const c of held) c.socket.destroy();
    const deadline = Date.now() + 20_000;
    let answer = await rawGet(port, '/healthz');
    while (answer.status !== 200 && Date.now() < deadline) answer = await rawGet(port, '/healthz');
    expect(answer).toEqual({ status: 200, body: 'ok\n' });
  });

  it('closes a slow-loris connection (headers trickled) with 408 after the headers timeout', async () => {
    const limits = { headersTimeoutMs: 1000, requestTimeoutMs: 2000, checkIntervalMs: 200, idleTimeoutMs: 10_000 };
    const { endpoint, port } = await start(limits);
    const client = await connect(port);
    const began = performance.now();
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    // A header line every 100 ms: never idle, never complete.
    let n = 0;
    const trickle = setInterval(() => {
      if (client.closedAt() === undefined) client.socket.write(`X-${n++}: y\r\n`);
    }, 100);
    try {
      await until(() => client.closedAt() !== undefined, 'the slow-loris connection closed', 15_000);
    } finally {
      clearInterval(trickle);
    }
    const after = client.closedAt()! - began;
    console.log(`slow loris: closed after ${after.toFixed(0)} ms, ${n} header lines sent`);
    expect(client.data()).toBe('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    expect(after).toBeGreaterThanOrEqual(limits.headersTimeoutMs - 50);
    // Closed by the headers timeout (checked every 200 ms), long before the idle timeout could.
    expect(after).toBeLessThan(limits.idleTimeoutMs / 2);
    expect(endpoint.refusals().clientErrors).toBe(1);
  });

  it('closes a connection that never sends a byte after the idle timeout, and a kept-alive one after keepAliveTimeout', async () => {
    const { port } = await start({ idleTimeoutMs: 1000, keepAliveTimeoutMs: 500, headersTimeoutMs: 5000, requestTimeoutMs: 5000 });
    const idle = await connect(port);
    const began = performance.now();
    await until(() => idle.closedAt() !== undefined, 'the idle connection closed', 15_000);
    const idleAfter = idle.closedAt()! - began;
    expect(idleAfter).toBeGreaterThanOrEqual(950);
    expect(idle.data()).toBe('');
    const kept = await connect(port);
    kept.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => kept.data().endsWith('ok\n'), 'the answer');
    const answered = performance.now();
    await until(() => kept.closedAt() !== undefined, 'the kept-alive connection closed', 15_000);
    const keptAfter = kept.closedAt()! - answered;
    console.log(`idle connection closed after ${idleAfter.toFixed(0)} ms (limit 1000), kept-alive after ${keptAfter.toFixed(0)} ms (limit 500)`);
    expect(keptAfter).toBeGreaterThanOrEqual(450);
    expect(keptAfter).toBeLessThan(idleAfter + 5000);
  });

  it('refuses limits that would mean no limit', () => {
    const options = { listen: '127.0.0.1:0', supervisors: () => [], registry: new MetricsRegistry(), logger: memoryLogger() };
    expect(() => new HttpEndpoint({ ...options, limits: { headersTimeoutMs: 0 } })).toThrow('Expected a positive integer for http limit headersTimeoutMs but received 0');
    expect(() => new HttpEndpoint({ ...options, limits: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } })).toThrow(
      'Expected requestTimeoutMs >= headersTimeoutMs (5000) but received 1000',
    );
  });
});

describe('runtime.http.max_connections', () => {
  const yaml = (http: string): string =>
    `version: 1\nruntime:\n  http: { listen: "127.0.0.1:0"${http} }\npipelines:\n  - name: p\n    source: { kind: synthetic }\n    model: { file: ${placeholderModel} }\n    postprocess: { kind: classify }\n`;

  it('defaults to 64 and refuses 0 with its position', async () => {
    expect(parseConfig('h.yaml', yaml('')).runtime.http).toEqual({ listen: '127.0.0.1:0', allowRemote: false, maxConnections: 64 });
    expect(parseConfig('h.yaml', yaml(', max_connections: 8')).runtime.http?.maxConnections).toBe(8);
    const error = await configError(() => parseConfig('h.yaml', yaml(', max_connections: 0')));
    expect(problemLines(error)).toEqual(['h.yaml:3:51: runtime.http.max_connections: expected an integer between 1 and 1024, received 0']);
  });
});

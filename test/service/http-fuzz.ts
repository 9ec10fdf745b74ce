/**
 * Hostile HTTP clients over raw TCP (issue 11): generated request lines, headers and paths, sent as bytes so that
 * nothing on the client side fixes them up. Deterministic: the same seed gives the same requests.
 */
import net from 'node:net';
import { mulberry32 } from '../../src/sources/synthetic-patterns.js';

/** Uniform in [0, 1) from a seed (the synthetic source's PRNG), so a failing case can be replayed from its seed and index. */
export function random(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH', 'get', 'FOO', 'G ET', '', 'GET\u0000', 'PRI', 'M-SEARCH', 'GETT'];
const PATHS = [
  '//', '/', '/healthz', '/metrics', '/status', '//healthz', '///', '%', '/%', '/%%', '/%zz', '/health%7a', '%2F%2F', '\\', '/\\', '\\\\host\\share',
  '*', '', ' ', 'http://localhost/healthz', 'http://', 'http://[::1', 'http://a:b@/x', 'https://x:99999/status?', 'ftp://x/y', 'a:b',
  'javascript:alert(1)', '/healthz?x=%', '/healthz#frag', '/..', '/../../etc/passwd', '/./healthz', '/status?' + 'q'.repeat(3000),
  '/' + 'a'.repeat(9000), '/\u00e9', '/\u0000', '/\u007f', '/\ud83d\ude00', '/?', '?', '#', '//:', 'http://localhost:0//', '/healthz ', '/ healthz',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/9.9', 'HTTPS/1.1', 'http/1.1', '', 'HTTP/1.1 extra', 'HTTP/1.'];
const HEADERS = [
  'Host: localhost', 'Host:', 'Host: a\u0000b', 'Host: [::1', 'Connection: close', 'Connection: keep-alive', 'Connection: upgrade\r\nUpgrade: websocket',
  'Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999999999999', 'Content-Length: 1\r\nContent-Length: 2',
  'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: chunked\r\nContent-Length: 3', 'Expect: 100-continue',
  'X-Big: ' + 'b'.repeat(20_000), 'X-Many: 1\r\n'.repeat(300).trimEnd(), ' leading-space: x', 'No-Colon', ': empty-name', 'Bad Name: x',
  'X-Ctl: \u0001\u0002', 'X-Utf8: \u00e9\u00e8', 'X-Folded: a\r\n b', 'Cookie: ' + 'c=1; '.repeat(100), 'Accept: */*',
];
const BODIES = ['', 'hello', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', '0\r\n\r\n', 'x'.repeat(4096)];
const ENDINGS = ['\r\n', '\n', '\r', '\r\r\n'];

const pick = <T>(next: () => number, list: readonly T[]): T => list[Math.floor(next() * list.length)]!;

/**
 * One generated request: mostly shaped like HTTP, some truncated, some random bytes. `complete`: it ends where a
 * request ends, so the server answers without waiting for more.
 */
export function hostileRequest(next: () => number): { bytes: Buffer; complete: boolean } {
  const kind = next();
  if (kind < 0.08) {
    // Random bytes, invalid UTF-8 included.
    return { bytes: Buffer.from(Array.from({ length: 1 + Math.floor(next() * 600) }, () => Math.floor(next() * 256))), complete: false };
  }
  // Each part is well-formed more often than not, so that the paths reach the routes.
  const eol = next() < 0.85 ? '\r\n' : pick(next, ENDINGS);
  const headers = Array.from({ length: next() < 0.5 ? 0 : Math.floor(next() * 4) }, () => pick(next, HEADERS));
  if (next() < 0.8) headers.unshift('Host: localhost');
  const method = next() < 0.6 ? pick(next, ['GET', 'HEAD']) : pick(next, METHODS);
  const line = `${method} ${pick(next, PATHS)} ${next() < 0.7 ? 'HTTP/1.1' : pick(next, VERSIONS)}`;
  let text = `${[line, ...headers].join(eol)}${eol}${eol}${next() < 0.3 ? pick(next, BODIES) : ''}`;
  if (next() < 0.05) text = `${text}${text}`; // pipelined
  const bytes = Buffer.from(text, next() < 0.1 ? 'latin1' : 'utf8');
  // Truncated: the client stops mid-request (then half-closes or just waits, see exchange()).
  return kind < 0.25 ? { bytes: bytes.subarray(0, Math.floor(next() * bytes.length)), complete: false } : { bytes, complete: true };
}

export interface Exchange {
  /** What the server sent back (latin1), possibly nothing. */
  response: string;
  /**
   * Who ended it: the server closed; the client, 200 ms after the last byte of an answer on a connection kept
   * alive, or after `timeoutMs` without an answer; or the connection was refused.
   */
  end: 'server' | 'answered' | 'timeout' | 'refused';
}

/**
 * Sends `bytes` on a fresh connection, then half-closes (FIN) when `halfClose`; resolves when the server closes the
 * connection or `timeoutMs` after the send (then the client closes it).
 */
export function exchange(port: number, bytes: Buffer, options: { halfClose: boolean; timeoutMs: number }): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    let settled = false;
    const done = (end: Exchange['end']): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(quiet);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), end });
    };
    const timer = setTimeout(() => done('timeout'), options.timeoutMs);
    let quiet: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(quiet);
      quiet = setTimeout(() => done('answered'), 200);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : 'server'));
    socket.on('close', () => done('server'));
  });
}

/**
 * Runs `count` generated requests, `concurrency` at a time; returns the status codes seen (0: no answer). The client
 * waits `timeoutMs` for an answer to an incomplete request it does not half-close (the server waits for the rest
 * until its headers timeout), 10 s for the others.
 */
export async function fuzz(port: number, options: { seed: number; count: number; concurrency: number; timeoutMs: number }): Promise<Map<number, number>> {
  const next = random(options.seed);
  const requests = Array.from({ length: options.count }, () => ({ ...hostileRequest(next), halfClose: next() < 0.5 }));
  const statuses = new Map<number, number>();
  let index = 0;
  const worker = async (): Promise<void> => {
    while (index < requests.length) {
      const request = requests[index++]!;
      const timeoutMs = request.complete || request.halfClose ? 10_000 : options.timeoutMs;
      const { response } = await exchange(port, request.bytes, { halfClose: request.halfClose, timeoutMs });
      // Every answer (pipelined ones too) must be a well-formed status line.
      const lines = response.match(/HTTP\/1\.1 \d{3} /g) ?? [];
      if (lines.length === 0) statuses.set(0, (statuses.get(0) ?? 0) + 1);
      for (const statusLine of lines) {
        const status = Number(statusLine.slice(9, 12));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return statuses;
}

/** GET over a raw socket with Connection: close; the status and body. */
export async function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const { response } = await exchange(port, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`), { halfClose: false, timeoutMs: 10_000 });
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1] ?? 0);
  return { status, body: response.slice(response.indexOf('\r\n\r\n') + 4) };
}

/**
 * The optional local HTTP endpoint of `edgepipe run` (runtime.http): GET /healthz, /metrics, /status. Read-only
 * and without authentication, hence loopback only unless allow_remote. Closed, connections included, on stop().
 *
 * Any local user can reach it, so no request may end or starve the process (issue 11): every handler path is
 * guarded, malformed requests get a 4xx and are closed, and connections are bounded in number, time and header
 * size (see HttpLimits), so a flood of idle connections cannot take the file descriptors the pipelines need.
 * Every body is redacted (src/runtime/secrets.ts) and its control characters escaped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { isLoopbackHost, parseListenAddress } from '../config/schema.js';
import type { Logger } from '../core/log.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import { EdgepipeError } from '../runtime/errors.js';
import { printable, printableJson } from '../runtime/printable.js';
import { redact, redactDeep } from '../runtime/secrets.js';
import type { MetricsRegistry } from './metrics.js';
import { contentType, renderMetrics, snapshotSupervisors, type PipelineSnapshot } from './prometheus.js';

/** What one client may hold. Times in ms; 0 is not allowed (it would mean no limit in Node). */
export interface HttpLimits {
  /** Connections open at once; more are closed on arrival (runtime.http.max_connections, default 64). */
  maxConnections: number;
  /** Time to send the request line and headers, from the connection's first byte (default 5000). */
  headersTimeoutMs: number;
  /** Time to send the whole request (default 10000); >= headersTimeoutMs. */
  requestTimeoutMs: number;
  /** A keep-alive connection waits this long for its next request (default 5000). */
  keepAliveTimeoutMs: number;
  /** A connection with no bytes either way for this long is closed, one that never sent any too (default 10000). */
  idleTimeoutMs: number;
  /** Request line plus headers, in bytes (default 8192); larger: 431 and closed. */
  maxHeaderBytes: number;
  /** How often header and request times are checked (default 1000); a timeout fires up to this much late. */
  checkIntervalMs: number;
}

export const defaultHttpLimits: Readonly<HttpLimits> = {
  maxConnections: 64,
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  idleTimeoutMs: 10_000,
  maxHeaderBytes: 8192,
  checkIntervalMs: 1000,
};

/**
 * More routes on the same listener (the live view, src/live): asked first for every request. Its streams must
 * set their own socket timeouts (the idle timeout would end them) and bound their own number.
 */
export interface HttpExtension {
  /** Answers the request and returns true when `path` is one of its routes; false leaves it to the endpoint. */
  handle(request: http.IncomingMessage, response: http.ServerResponse, path: string): boolean;
  /** More /metrics families in the text exposition format (each line ending in a newline). */
  metrics?(): string;
}

export interface HttpEndpointOptions {
  /** `host:port` as in runtime.http.listen; port 0: chosen by the system. */
  listen: string;
  /** Allow a non-loopback host (default false). */
  allowRemote?: boolean;
  /** Limits per connection; unset ones are defaultHttpLimits'. */
  limits?: Partial<HttpLimits>;
  /** The current supervisors (they change on reload). */
  supervisors: () => readonly Supervisor[];
  registry: MetricsRegistry;
  logger: Logger;
  /** More routes (the live view). */
  extension?: HttpExtension;
}

/** What the endpoint turned away since it started. */
export interface HttpRefusals {
  /** Connections closed on arrival because maxConnections were open. */
  connections: number;
  /** Malformed, oversized or too slow requests, and connections reset by the client (answered 4xx or closed). */
  clientErrors: number;
  /** Errors of the listening socket (accept failing with EMFILE, ...): logged, never fatal. */
  serverErrors: number;
}

/** A refusal is logged at most this often (the first at once), with the count since the last line. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** Healthy when every pipeline is running or its finite source ended; otherwise the reasons, one per pipeline. */
export function health(pipelines: readonly PipelineSnapshot[]): { healthy: boolean; reasons: string[] } {
  const reasons = pipelines
    .filter((p) => p.state !== 'running' && p.state !== 'ended')
    .map((p) => `${p.name}: ${p.state}${p.lastError ? `: ${p.lastError}` : ''}${p.retryInMs !== undefined ? ` (retry in ${p.retryInMs} ms)` : ''}`);
  return { healthy: reasons.length === 0, reasons };
}

/**
 * The path of a request target without query or fragment; never throws. Origin-form (`/metrics?x`) and
 * absolute-form (`http://host/metrics`, RFC 9112 3.2.2) give their path; anything else (`*`, `//`, `%`) is returned
 * as it is and matches no route. Not decoded: `/health%7a` is not `/healthz`.
 */
export function requestPath(target: string | undefined): string {
  let path = target ?? '';
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(path);
  if (authority) path = path.slice(authority[0].length) || '/';
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

export class HttpEndpoint {
  private readonly server: http.Server;
  private readonly options: HttpEndpointOptions;
  private readonly address: { host: string; port: number };
  readonly limits: Readonly<HttpLimits>;
  private readonly refusalCounts: HttpRefusals = { connections: 0, clientErrors: 0, serverErrors: 0 };
  private readonly lastRefusalLog = { connections: -Infinity, serverErrors: -Infinity };
  private readonly unloggedRefusals = { connections: 0, serverErrors: 0 };

  /** Throws ERR_CONFIG for an address that is not `host:port` or not loopback without allowRemote. */
  constructor(options: HttpEndpointOptions) {
    const address = parseListenAddress(options.listen);
    if (!address) {
      throw new EdgepipeError('ERR_CONFIG', `Expected an address host:port such as 127.0.0.1:9108 for runtime.http.listen but received "${options.listen}"`, { exitCode: 2 });
    }
    if (!options.allowRemote && !isLoopbackHost(address.host)) {
      throw new EdgepipeError('ERR_CONFIG', `runtime.http.listen: "${address.host}" is not a loopback address; use 127.0.0.1, or set allow_remote: true`, { exitCode: 2 });
    }
    const limits = { ...defaultHttpLimits, ...options.limits };
    for (const [name, value] of Object.entries(limits)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`Expected a positive integer for http limit ${name} but received ${value}`);
    }
    if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
      throw new RangeError(`Expected requestTimeoutMs >= headersTimeoutMs (${limits.headersTimeoutMs}) but received ${limits.requestTimeoutMs}`);
    }
    this.options = options;
    this.address = address;
    this.limits = limits;
    options.registry.follow(options.supervisors);
    this.server = http.createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: limits.checkIntervalMs,
        maxHeaderSize: limits.maxHeaderBytes,
      },
      (request, response) => this.handle(request, response),
    );
    this.server.maxConnections = limits.maxConnections;
    this.server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    // Idle sockets (one that connected and never sent a byte included) are destroyed: Node does so when the
    // server has no 'timeout' listener.
    this.server.timeout = limits.idleTimeoutMs;
    this.server.on('drop', () => this.refused('connections', `${limits.maxConnections} connections open (runtime.http.max_connections): a new one was closed on arrival`));
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => this.clientError(error, socket));
  }

  /** What was turned away so far. */
  refusals(): Readonly<HttpRefusals> {
    return { ...this.refusalCounts };
  }

  /** Listens; resolves with the bound address (the real port when 0 was asked for). */
  async start(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.address.port, this.address.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    // After listen, an 'error' is a failed accept (EMFILE when descriptors run out): without a listener Node would
    // throw it and end the process.
    this.server.on('error', (error) => this.refused('serverErrors', `listening socket: ${error.message}`));
    const bound = this.server.address() as AddressInfo;
    this.options.logger.log('info', `http: listening on http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port} (/healthz, /metrics, /status)`);
    return { host: bound.address, port: bound.port };
  }

  /** Stops listening and closes open connections (keep-alive ones included). */
  async stop(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    // A client that goes away mid-answer: the socket's error is the server's business (clientError), not ours.
    response.on('error', () => response.destroy());
    const path = requestPath(request.url);
    try {
      if (this.options.extension?.handle(request, response, path)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        // connection: close, so a body sent with it is not read.
        send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD', connection: 'close' });
        return;
      }
      this.route(path, response);
    } catch (error) {
      this.options.logger.log('error', `http: ${knownPath(path)} failed: ${(error as Error).message}`);
      try {
        if (response.headersSent) response.destroy();
        else send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      } catch {
        response.destroy();
      }
    }
  }

  private route(path: string, response: http.ServerResponse): void {
    if (path !== '/healthz' && path !== '/metrics' && path !== '/status') {
      send(response, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /metrics or /status\n');
      return;
    }
    const pipelines = snapshotSupervisors(this.options.supervisors(), this.options.registry);
    if (path === '/metrics') {
      send(response, 200, contentType, redact(renderMetrics(pipelines, this.options.registry) + (this.options.extension?.metrics?.() ?? '')));
      return;
    }
    const { healthy, reasons } = health(pipelines);
    if (path === '/healthz') {
      send(response, healthy ? 200 : 503, 'text/plain; charset=utf-8', healthy ? 'ok\n' : `${reasons.map((r) => printable(redact(r))).join('\n')}\n`);
      return;
    }
    // Sinks' errors in the snapshots may name a secret's value (a file sink path from ${file:...}).
    const body = redactDeep({ healthy, reasons, pipelines });
    send(response, 200, 'application/json; charset=utf-8', `${printableJson(JSON.stringify(body, null, 2))}\n`);
  }

  /**
   * A request the parser refused (bad method, bad target or header bytes, headers too large, too slow) or a socket
   * error: answer as Node would (431, 408, 400) when the socket can still take it, then close. Debug level: what a
   * client sends is not edgepipe's error.
   */
  private clientError(error: NodeJS.ErrnoException, socket: Duplex): void {
    this.refusalCounts.clientErrors += 1;
    this.options.logger.log('debug', `http: client error ${error.code ?? ''}: ${error.message}`);
    try {
      const answered = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage?.headersSent ?? false;
      if (socket.writable && !answered && error.code !== 'ECONNRESET') {
        const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
        socket.write(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      }
    } catch {
      // The socket is destroyed below either way.
    }
    socket.destroy();
  }

  /** Counts a refusal; logs a warning at most once a minute with how many there were. */
  private refused(kind: 'connections' | 'serverErrors', what: string): void {
    this.refusalCounts[kind] += 1;
    this.unloggedRefusals[kind] += 1;
    const now = performance.now();
    if (now - this.lastRefusalLog[kind] < REFUSAL_LOG_INTERVAL_MS) return;
    const count = this.unloggedRefusals[kind];
    this.unloggedRefusals[kind] = 0;
    this.lastRefusalLog[kind] = now;
    this.options.logger.log('warn', `http: ${what}${count > 1 ? ` (${count} times since the last such line)` : ''}`);
  }
}

/** The path for a log line: one of ours, never what a client wrote. */
function knownPath(path: string): string {
  return path === '/healthz' || path === '/metrics' || path === '/status' ? path : 'request';
}

function send(response: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

/**
 * The optional local HTTP endpoint of `edgepipe run` (runtime.http): GET /healthz, /metrics, /status. Read-only
 * and without authentication, hence loopback only unless allow_remote. Closed, connections included, on stop().
 * Every body is redacted (src/runtime/secrets.ts) and its control characters escaped.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, parseListenAddress } from '../config/schema.js';
import type { Logger } from '../pipeline/log.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import { EdgepipeError } from '../runtime/errors.js';
import { printable, printableJson } from '../runtime/printable.js';
import { redact, redactDeep } from '../runtime/secrets.js';
import type { MetricsRegistry } from './metrics.js';
import { contentType, renderMetrics, snapshotSupervisors, type PipelineSnapshot } from './prometheus.js';

export interface HttpEndpointOptions {
  /** `host:port` as in runtime.http.listen; port 0: chosen by the system. */
  listen: string;
  /** Allow a non-loopback host (default false). */
  allowRemote?: boolean;
  /** The current supervisors (they change on reload). */
  supervisors: () => readonly Supervisor[];
  registry: MetricsRegistry;
  logger: Logger;
}

/** Healthy when every pipeline is running or its finite source ended; otherwise the reasons, one per pipeline. */
export function health(pipelines: readonly PipelineSnapshot[]): { healthy: boolean; reasons: string[] } {
  const reasons = pipelines
    .filter((p) => p.state !== 'running' && p.state !== 'ended')
    .map((p) => `${p.name}: ${p.state}${p.lastError ? `: ${p.lastError}` : ''}${p.retryInMs !== undefined ? ` (retry in ${p.retryInMs} ms)` : ''}`);
  return { healthy: reasons.length === 0, reasons };
}

export class HttpEndpoint {
  private readonly server: http.Server;
  private readonly options: HttpEndpointOptions;
  private readonly address: { host: string; port: number };

  /** Throws ERR_CONFIG for an address that is not `host:port` or not loopback without allowRemote. */
  constructor(options: HttpEndpointOptions) {
    const address = parseListenAddress(options.listen);
    if (!address) {
      throw new EdgepipeError('ERR_CONFIG', `Expected an address host:port such as 127.0.0.1:9108 for runtime.http.listen but received "${options.listen}"`, { exitCode: 2 });
    }
    if (!options.allowRemote && !isLoopbackHost(address.host)) {
      throw new EdgepipeError('ERR_CONFIG', `runtime.http.listen: "${address.host}" is not a loopback address; use 127.0.0.1, or set allow_remote: true`, { exitCode: 2 });
    }
    this.options = options;
    this.address = address;
    options.registry.follow(options.supervisors);
    this.server = http.createServer((request, response) => this.handle(request, response));
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
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
      return;
    }
    try {
      const pipelines = snapshotSupervisors(this.options.supervisors(), this.options.registry);
      switch (url.pathname) {
        case '/healthz': {
          const { healthy, reasons } = health(pipelines);
          send(response, healthy ? 200 : 503, 'text/plain; charset=utf-8', healthy ? 'ok\n' : `${reasons.map((r) => printable(redact(r))).join('\n')}\n`);
          return;
        }
        case '/metrics':
          send(response, 200, contentType, redact(renderMetrics(pipelines, this.options.registry)));
          return;
        case '/status': {
          const { healthy, reasons } = health(pipelines);
          // Sinks' errors in the snapshots may name a secret's value (a file sink path from ${file:...}).
          const body = redactDeep({ healthy, reasons, pipelines });
          send(response, 200, 'application/json; charset=utf-8', `${printableJson(JSON.stringify(body, null, 2))}\n`);
          return;
        }
        default:
          send(response, 404, 'text/plain; charset=utf-8', 'not found: try /healthz, /metrics or /status\n');
      }
    } catch (error) {
      this.options.logger.log('error', `http: ${url.pathname} failed: ${(error as Error).message}`);
      send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
    }
  }
}

function send(response: http.ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

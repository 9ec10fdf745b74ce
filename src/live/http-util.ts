/** Small HTTP helpers of the live view: JSON answers, bounded JSON request bodies, security headers. */
import type http from 'node:http';

/** Headers on every answer of the live view. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : text);
}

export function sendError(response: http.ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { error }, headers);
}

export type BodyOutcome = { ok: true; value: unknown } | { ok: false; status: number; error: string };

/**
 * The request's JSON body, at most `maxBytes`: 415 unless Content-Type is application/json (a cross-site form cannot
 * send that without a CORS preflight, which this server never grants), 413 beyond the limit (announced or sent),
 * 400 for text that is not JSON. Never rejects.
 */
export function readJsonBody(request: http.IncomingMessage, maxBytes: number): Promise<BodyOutcome> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return Promise.resolve({ ok: false, status: 415, error: `expected Content-Type: application/json but received ${JSON.stringify(type || 'none')}` });
  }
  const announced = Number(request.headers['content-length'] ?? NaN);
  if (Number.isFinite(announced) && announced > maxBytes) {
    return Promise.resolve({ ok: false, status: 413, error: `expected a body of at most ${maxBytes} bytes but received ${announced}` });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (outcome: BodyOutcome): void => {
      if (done) return;
      done = true;
      resolve(outcome);
    };
    request.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > maxBytes) {
        finish({ ok: false, status: 413, error: `expected a body of at most ${maxBytes} bytes` });
        // The rest is not read: the answer closes the connection.
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', () => finish({ ok: false, status: 400, error: 'the request body could not be read' }));
    request.on('aborted', () => finish({ ok: false, status: 400, error: 'the request was aborted' }));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        finish({ ok: true, value: text.trim() === '' ? {} : (JSON.parse(text) as unknown) });
      } catch {
        finish({ ok: false, status: 400, error: 'the body is not valid JSON' });
      }
    });
  });
}

/** The Host header's host, lower case, without the port. */
export function hostOf(request: http.IncomingMessage): string {
  const host = (request.headers.host ?? '').toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(host);
  if (v6) return v6[1]!;
  return host.replace(/:\d+$/, '');
}

/**
 * Hostile clients against the live view do not hurt the pipeline: streams are exempt from the idle timeout but
 * bounded in number, a body sent slowly is cut by the request timeout, bodies beyond the limit are refused, and
 * throughout the camera pipeline keeps its frame rate.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_CLIENTS } from '../../src/live/event-hub.js';
import type { LiveState } from '../../src/live/index.js';
import { postJson, request, startLive, until, type LiveSetup } from './live-harness.js';
import { MjpegReader } from './mjpeg-reader.js';

let setup: LiveSetup;
const sockets: net.Socket[] = [];

// Short timeouts, so the test sees them act.
const limits = { idleTimeoutMs: 1000, headersTimeoutMs: 1000, requestTimeoutMs: 1500, keepAliveTimeoutMs: 1000, checkIntervalMs: 200, maxConnections: 64 };

beforeAll(async () => {
  setup = await startLive({ noSensor: true, limits });
  await until(async () => (await request(setup.port, 'GET', '/api/state')).json<LiveState>().pipelines[0]?.fps_out ?? 0 > 0, 60_000, 'the camera pipeline delivering');
}, 90_000);
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await setup?.stop();
});

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(setup.port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    sockets.push(socket);
  });
}

const closed = (socket: net.Socket): Promise<void> => new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
const framesOut = (): number => setup.supervisor.pipelines()[0]!.peek().framesOut;

describe('hostile clients', () => {
  it('keeps an MJPEG stream of a paused pipeline open past the idle timeout that closes an idle connection', async () => {
    expect((await postJson(setup.port, '/api/pipelines/cam/pause', {})).status).toBe(200);
    const reader = new MjpegReader(setup.port, '/api/pipelines/cam/stream.mjpeg?fps=5');
    await reader.opened;
    const idle = await connect();
    await closed(idle);
    // A second idle connection opened after that one closed, also closed: more than two idle timeouts have passed.
    const idle2 = await connect();
    await closed(idle2);
    expect(reader.closed).toBe(false);
    expect(reader.parts).toHaveLength(0);
    expect((await postJson(setup.port, '/api/pipelines/cam/resume', {})).status).toBe(200);
    await until(() => reader.parts.length >= 2, 30_000, 'parts on the same stream after resume');
    reader.close();
  }, 60_000);

  it(`bounds event streams at ${MAX_EVENT_CLIENTS} (503 beyond), readers or not, while the pipeline runs on`, async () => {
    const streams: net.Socket[] = [];
    for (let i = 0; i < MAX_EVENT_CLIENTS; i++) {
      const socket = await connect();
      socket.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      // Never read: a client that holds the stream open.
      socket.pause();
      streams.push(socket);
    }
    await until(async () => (await request(setup.port, 'GET', '/metrics')).text.includes(`edgepipe_live_event_clients ${MAX_EVENT_CLIENTS}`), 20_000, 'all streams open');
    const refused = await request(setup.port, 'GET', '/api/events');
    expect([refused.status, refused.json().error]).toEqual([503, 'too many event streams are open; try again later']);
    const before = framesOut();
    await until(() => framesOut() >= before + 10, 30_000, '10 predictions with the streams open');
    for (const socket of streams) socket.destroy();
    await until(async () => (await request(setup.port, 'GET', '/metrics')).text.includes('edgepipe_live_event_clients 0'), 20_000, 'streams counted off');
  }, 60_000);

  it('cuts a body sent byte by byte at the request timeout, and refuses a chunked body beyond the limit (413)', async () => {
    const slow = await connect();
    slow.write('POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const drip = setInterval(() => slow.writable && slow.write(' '), 100);
    let answer = '';
    slow.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await closed(slow);
    clearInterval(drip);
    expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);

    const chunked = await connect();
    let reply = '';
    chunked.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    chunked.write('POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 5 && chunked.writable; i++) chunked.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    await until(() => reply.includes('\r\n\r\n'), 20_000, 'an answer to the chunked body');
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply).toContain('expected a body of at most 262144 bytes');
    const before = framesOut();
    await until(() => framesOut() >= before + 5, 30_000, 'predictions go on');
  }, 60_000);
});

/**
 * The camera source reading a network stream: ffmpeg serves MJPEG over HTTP on 127.0.0.1 (`-listen 1`), the
 * camera source reads it, the server goes away and comes back, and the source reconnects on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { CameraSource } from '../../src/sources/camera-source.js';
import { cameraConfig, freePort, processExists, runFfmpegTests } from './camera-helpers.js';
import { record, until } from './helpers.js';

const servers: ChildProcess[] = [];

/** ffmpeg serving a 15 fps MJPEG test pattern as multipart HTTP to one client on 127.0.0.1:port. */
function serve(port: number): ChildProcess {
  const args = ['-hide_banner', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15'];
  args.push('-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-f', 'mpjpeg', '-listen', '1', `http://127.0.0.1:${port}/cam.mjpg`);
  const server = spawn('ffmpeg', args, { stdio: 'ignore' });
  servers.push(server);
  return server;
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGKILL');
  await once(server, 'close');
}

describe.runIf(runFfmpegTests)('camera source over HTTP', () => {
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(stopServer));
  });

  it('reads an MJPEG stream from an HTTP server, and reconnects when the server comes back', async () => {
    const port = await freePort();
    serve(port);
    const url = `http://127.0.0.1:${port}/cam.mjpg`;
    const source = new CameraSource('net', cameraConfig({ input: url, output: 'mjpeg', restart: { initialMs: 100, maxMs: 400 } }), { warn: () => {} });
    const state = record(source.frames());
    try {
      // The client may start before the server listens: connection refused is one more restart.
      await until(() => state.frames.length >= 5, 20_000, '5 frames over HTTP');
      const frame = state.frames[0]!;
      if (frame.payload.kind !== 'encoded') throw new Error('expected JPEG frames');
      const meta = await sharp(frame.payload.bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 160, 120]);

      await stopServer(servers[0]!);
      const before = state.frames.length;
      const restartsBefore = source.stats.restarts;
      serve(port);
      await until(() => state.frames.length >= before + 5 && source.stats.restarts > restartsBefore, 20_000, 'frames after the server came back');
      const ids = state.frames.map((f) => f.id);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i));
      expect(state.error).toBeUndefined();
    } finally {
      const pid = source.pid;
      state.subscription.unsubscribe();
      if (pid !== undefined) await until(() => !processExists(pid), 30_000, 'the client ffmpeg to be gone');
    }
  });

  it('a server that accepts and then says nothing is given up after io_timeout_ms, long before the start and stall timeouts', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const lines: string[] = [];
    const config = cameraConfig({ input: `http://127.0.0.1:${port}/cam.mjpg`, output: 'mjpeg', ioTimeoutMs: 300, stallTimeoutMs: 60_000, startTimeoutMs: 60_000, restart: { initialMs: 50, maxMs: 100 } });
    const source = new CameraSource('net', config, { warn: (line) => lines.push(line) });
    const state = record(source.frames());
    try {
      const started = Date.now();
      await until(() => source.stats.restarts >= 2, 20_000, 'two restarts');
      // Each attempt ends after ~0.3 s of silence; the 60 s start and stall timeouts never came into it.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(source.stats.stalls).toBe(0);
      expect(lines.join('\n')).toMatch(/timed out/i);
    } finally {
      const pid = source.pid;
      state.subscription.unsubscribe();
      silent.close();
      if (pid !== undefined) await until(() => !processExists(pid), 30_000, 'the client ffmpeg to be gone');
    }
  });
});

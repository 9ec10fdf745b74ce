/**
 * A source that fails once its pipeline runs is retried by the pipeline (src/pipeline/source-retry.ts), the model
 * kept: a dead camera (an HTTP URL on 127.0.0.1 that refuses) logs one line when it goes down, a `still down`
 * line now and then, one when it comes back; its downtime grows while it is down; the last frame's age is reported.
 * An images folder removed after start fails the pipeline for good instead of being retried forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRuntime } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import type { PredictionSink, ServiceNotice } from '../../src/sinks/types.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import { cameraConfig, freePort, runFfmpegTests } from '../sources/camera-helpers.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';
import { projectRoot } from '../helpers/shared-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-source-retry-'));
const readFileSafe = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};
const servers: ChildProcess[] = [];

async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** ffmpeg serving a 10 fps MJPEG test pattern over HTTP to one client on 127.0.0.1:port. */
function serve(port: number): ChildProcess {
  const args = ['-hide_banner', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10'];
  args.push('-c:v', 'mjpeg', '-pix_fmt', 'yuvj420p', '-f', 'mpjpeg', '-listen', '1', `http://127.0.0.1:${port}/cam.mjpg`);
  const server = spawn('ffmpeg', args, { stdio: 'ignore' });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.exitCode !== null || server.signalCode !== null) continue;
    server.kill('SIGKILL');
    await once(server, 'close');
  }
});

describe.runIf(runFfmpegTests)('a dead camera', () => {
  it('is retried alone (the model loaded once), logs its state changes once each, counts downtime while down, reports the frame age', async () => {
    const port = await freePort(); // nothing listens there: connection refused
    const logger = memoryLogger();
    const config = pipelineConfig('cam1', {
      model: { file: writeColourModel(dir) },
      source: cameraConfig({ input: `http://127.0.0.1:${port}/cam.mjpg`, output: 'mjpeg', restart: { initialMs: 20, maxMs: 200 } }),
      statsIntervalS: 0,
    });
    // The supervisor's own backoff is short too: before, every camera give-up restarted the whole pipeline.
    const notices: ServiceNotice[] = [];
    const noticeSink = (pipeline: string): PredictionSink => ({ ...callbackSink(pipeline, () => undefined), notice: (n) => notices.push(n) });
    const supervisor = new Supervisor(
      [config],
      { runtime: defaultRuntime(), logger, extraSinks: (n) => [noticeSink(n)], sourceRetry: { initialMs: 20, maxMs: 200, stillDownEveryMs: 1500 } },
      { initialMs: 20, maxMs: 200 },
    );
    const messages = (): string[] => logger.entries.map((entry) => entry.message);
    await supervisor.start();
    try {
      const pipeline = (): ReturnType<Supervisor['pipelines']>[number] => supervisor.pipelines()[0]!;
      await until(() => (pipeline().report().source?.restarts ?? 0) >= 10, 120_000, '10 retries of the camera');
      const down = pipeline().report().source!;
      expect(down.state).toBe('restarting');
      // Counted while down, not only once the camera is back.
      expect(down.downtimeMs).toBeGreaterThan(0);
      await until(() => pipeline().report().source!.downtimeMs > down.downtimeMs + 200, 30_000, 'the downtime to grow while down');
      await until(() => messages().some((m) => m.includes('still down after')), 30_000, 'a still-down line');

      // One pipeline start, one model load, however many times the camera was retried.
      expect(supervisor.status()[0]).toMatchObject({ state: 'running', attempts: 1 });
      expect(messages().filter((m) => m.startsWith('pipeline cam1: running on'))).toHaveLength(1);
      const downLines = messages().filter((m) => m.startsWith('source cam1/camera: down: '));
      expect(downLines).toHaveLength(1);
      expect(downLines[0]).toMatch(new RegExp(`^source cam1/camera: down: ffmpeg exited with code 1 after 0 frames from http://127\\.0\\.0\\.1:${port}/cam\\.mjpg: .*; retrying with backoff \\(\\d+\\.\\d s, up to 0\\.2 s\\)$`));
      // After the down line, nothing from ffmpeg: only the periodic still-down lines, each with the attempts so far.
      const after = messages().slice(messages().indexOf(downLines[0]!) + 1);
      expect(after.length).toBeGreaterThan(0);
      for (const line of after) expect(line).toMatch(/^source cam1\/camera: still down after \d+ attempts \(\d+\.\d s\): ffmpeg exited with code 1 after 0 frames from /);
      expect(messages().some((m) => m.startsWith('pipeline cam1: failed'))).toBe(false);
      expect(pipeline().report().lastFrameAgeMs).toBeUndefined();
      // The sinks (the MQTT status) hear of the change once, not of every attempt.
      expect(notices).toEqual([{ kind: 'source', state: 'down', atMs: expect.any(Number), error: expect.stringMatching(/^ffmpeg exited with code 1 after 0 frames/) }]);

      serve(port);
      await until(() => messages().some((m) => m.startsWith('source cam1/camera: up again after ')), 60_000, 'the camera back');
      expect(messages().find((m) => m.startsWith('source cam1/camera: up again after '))).toMatch(
        /^source cam1\/camera: up again after \d+ failed attempts \(\d+(\.\d)? s down\)(; \d+ lines? of its output left out while down)?$/,
      );
      await until(() => pipeline().report().source!.state === 'running' && pipeline().report().lastFrameAgeMs !== undefined, 30_000, 'a running source with frames');
      const up = pipeline().report();
      expect(up.lastFrameAgeMs).toBeGreaterThanOrEqual(0);
      // Frames come at 10 fps: the last one is recent (generous for a loaded machine).
      expect(up.lastFrameAgeMs).toBeLessThan(10_000);
      // The outage is over: the downtime stops growing.
      const total = up.source!.downtimeMs;
      expect(total).toBeGreaterThanOrEqual(down.downtimeMs);
      expect(supervisor.status()[0]!.attempts).toBe(1);
      expect(notices.map((n) => (n.kind === 'source' ? n.state : n.kind))).toEqual(['down', 'up']);
      expect(notices[1]).toMatchObject({ kind: 'source', state: 'up', lastFrameMs: expect.any(Number) });
    } finally {
      await supervisor.stop();
    }
  }, 300_000);
});

describe('an images folder removed after start', () => {
  it('fails the pipeline for good with the reason, instead of retrying it forever', async () => {
    const folder = path.join(dir, 'images');
    mkdirSync(folder);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(path.join(folder, 'red.png'));
    const logger = memoryLogger();
    const config = pipelineConfig('door', {
      model: { file: writeColourModel(dir) },
      source: { kind: 'images', path: folder, loop: true, fps: 20, watch: false },
      statsIntervalS: 0,
    });
    const supervisor = new Supervisor([config], { runtime: defaultRuntime(), logger, sourceRetry: { initialMs: 20, maxMs: 200 } }, { initialMs: 20, maxMs: 200 });
    await supervisor.start();
    try {
      await until(() => (supervisor.pipelines()[0]?.stats.framesIn ?? 0) >= 3, 60_000, 'frames from the folder');
      rmSync(folder, { recursive: true });
      let ended = false;
      void supervisor.whenAllEnded().then(() => (ended = true));
      await until(() => ended, 60_000, 'the pipeline to give up');
      expect(supervisor.failedForGood()).toEqual(['door']);
      expect(supervisor.status()[0]).toMatchObject({ state: 'failed', attempts: 1 });
      const line = logger.entries.map((e) => e.message).find((m) => m.startsWith('pipeline door: failed for good'));
      expect(line).toMatch(/^pipeline door: failed for good \(its source cannot start again\), not retried: source door\/images: .*images/);
      expect(logger.entries.some((e) => e.message.startsWith('source door/images: down'))).toBe(false);
    } finally {
      await supervisor.stop();
    }
  }, 120_000);
});

describe('edgepipe run with an images folder removed after start', () => {
  it('exits 2 (as for a missing path at start) when that was its only pipeline, saying why', async () => {
    const folder = path.join(dir, 'run-images');
    mkdirSync(folder);
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toFile(path.join(folder, 'blue.png'));
    const config = path.join(dir, 'gone.yaml');
    writeFileSync(config, [
      'version: 1',
      'pipelines:',
      '  - name: gone',
      `    source: { kind: images, path: "${folder}", loop: true, fps: 20 }`,
      `    model: { file: "${writeColourModel(dir)}" }`,
      '    postprocess: { kind: classify }',
      `    sinks: [{ kind: file, path: "${path.join(dir, 'gone.jsonl')}" }]`,
    ].join('\n'));
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'run', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => /file\(s\) started/.test(stderr), 60_000, 'the start');
      await until(() => readFileSafe(path.join(dir, 'gone.jsonl')).length > 0, 60_000, 'a prediction');
      rmSync(folder, { recursive: true });
      const code = await Promise.race([exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 60_000))]);
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(/pipeline gone: failed for good \(its source cannot start again\), not retried: source gone\/images: /);
      expect(stderr).toContain('edgepipe: no pipeline left running (failed for good: gone), stopping');
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);
});


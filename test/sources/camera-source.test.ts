/**
 * The camera source with real programs: ffmpeg's lavfi test sources as the camera, video files made by ffmpeg,
 * producers killed, stopped and stalled. Locally these skip without ffmpeg; with CI=true they fail.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraSourceConfig } from '../../src/config/types.js';
import type { Frame } from '../../src/core/frame.js';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { CameraSource } from '../../src/sources/camera-source.js';
import { createSource } from '../../src/sources/index.js';
import type { SourceState } from '../../src/sources/types.js';
import { cameraConfig, hasFfmpeg, inCi, lavfi, processExists, processGroupMembers, runFfmpegTests } from './camera-helpers.js';
import { pause, record, removeTempDirs, runToEnd, tempDir, until } from './helpers.js';
import { describeSourceContract } from './source-contract.js';

const camera = (options: Partial<CameraSourceConfig> = {}, warn: (m: string) => void = () => {}): CameraSource =>
  createSource('cam', cameraConfig(options), { warn }) as CameraSource;
const first = (source: CameraSource, n: number): Promise<Frame[]> => firstValueFrom(source.frames().pipe(take(n), toArray()));
const raw = (frame: Frame) => {
  if (frame.payload.kind !== 'raw') throw new Error('expected a raw frame');
  return frame.payload;
};

describe('ffmpeg for the camera tests', () => {
  it.runIf(inCi)('is installed (CI=true: the camera tests must run)', () => {
    expect(hasFfmpeg, 'ffmpeg is missing: CI must apt-get install ffmpeg').toBe(true);
  });
});

describe('camera source: configuration mistakes (no ffmpeg needed)', () => {
  it('a missing V4L2 device fails at once, naming the source and the device', async () => {
    const { error } = await runToEnd(camera({ input: '/dev/video-missing' }).frames());
    expect(error).toBeInstanceOf(EdgepipeError);
    expect((error as EdgepipeError).code).toBe('ERR_SOURCE_NOT_FOUND');
    expect((error as EdgepipeError).exitCode).toBe(2);
    expect((error as EdgepipeError).message).toBe(
      'source cam/camera: video device /dev/video-missing: no such file or directory (is the camera plugged in? `ls /dev/video*` lists the devices)',
    );
  });

  it('a missing video file fails the same way; a device path that is no V4L2 device is refused', async () => {
    const missing = await runToEnd(camera({ input: '/nonexistent/clip.mp4' }).frames());
    expect((missing.error as Error).message).toBe('source cam/camera: video file /nonexistent/clip.mp4: no such file or directory');
    const notDevice = await runToEnd(camera({ input: '/dev/null/x' }).frames());
    expect((notDevice.error as EdgepipeError).code).toBe('ERR_SOURCE_NOT_FOUND');
    for (const input of ['/dev/zero', '/dev/shm']) {
      const { error } = await runToEnd(camera({ input }).frames());
      expect((error as EdgepipeError).code).toBe('ERR_SOURCE_INVALID');
      expect((error as Error).message).toBe(`source cam/camera: ${input} is not a video device (expected a V4L2 device such as /dev/video0)`);
    }
  });

  it('a producer that is not installed: ENOENT on spawn says what is missing and for which input', async () => {
    const source = camera({ input: 'usb-cam', command: ['edgepipe-no-such-program', '-o', '-'], commandOutput: 'mjpeg' });
    const { error } = await runToEnd(source.frames());
    expect((error as EdgepipeError).code).toBe('ERR_SOURCE_NOT_FOUND');
    expect((error as Error).message).toBe(
      'source cam/camera: edgepipe-no-such-program was not found on PATH, needed to read usb-cam; install it or give its full path in command',
    );
    expect(source.state).toBe('failed');
  });

  it('ffmpeg missing from PATH is explained with the package to install', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const { error } = await runToEnd(camera().frames());
      expect((error as Error).message).toBe(
        `source cam/camera: ffmpeg was not found on PATH, needed to read ${lavfi()}; install it (Debian: apt-get install ffmpeg)`,
      );
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe.runIf(runFfmpegTests)('camera source with ffmpeg', () => {
  let clip = '';
  beforeAll(() => {
    clip = path.join(tempDir('camera'), 'clip.mp4');
    const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=96x64:rate=25', '-t', '2', '-c:v', 'mpeg4', clip]);
    expect(made.status, made.stderr?.toString()).toBe(0);
  });
  afterAll(removeTempDirs);

  describeSourceContract('camera (lavfi rgb24)', {
    running: () => camera(),
    failing: () => camera({ input: '/dev/video-missing' }),
  });

  describeSourceContract('camera (lavfi mjpeg)', {
    running: () => camera({ output: 'mjpeg' }),
    failing: () => camera({ command: ['edgepipe-no-such-program'], commandOutput: 'mjpeg' }),
  });

  it.each([
    ['rgb24', 320 * 240 * 3],
    ['i420', (320 * 240 * 3) / 2],
    ['gray8', 320 * 240],
  ] as const)('%s frames at the input size are exactly %i bytes, each in its own buffer', async (output, bytes) => {
    const frames = await first(camera({ input: lavfi('320x240'), output }), 4);
    for (const frame of frames) {
      expect(raw(frame)).toMatchObject({ kind: 'raw', format: output, width: 320, height: 240 });
      expect(raw(frame).data.length).toBe(bytes);
      expect(raw(frame).data.buffer.byteLength).toBe(bytes);
    }
    expect(frames[0]!.meta).toEqual({ input: lavfi('320x240'), restarts: 0 });
  });

  it('width, height and fps scale and pace the output', async () => {
    const start = performance.now();
    const frames = await first(camera({ input: lavfi('320x240', 30), width: 64, height: 36, fps: 10 }), 6);
    expect(raw(frames[0]!)).toMatchObject({ width: 64, height: 36 });
    expect(raw(frames[0]!).data.length).toBe(64 * 36 * 3);
    // 6 frames at 10 fps take at least half a second (the first leaves at once).
    expect(performance.now() - start).toBeGreaterThan(400);
  });

  it('the rgb24 pixels are the test pattern (not shifted): equal to ffmpeg writing the same frame to a file', async () => {
    const [frame] = await first(camera({ input: lavfi('64x48'), realtime: false }), 1);
    const reference = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=30', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(Buffer.compare(raw(frame!).data, reference.stdout)).toBe(0);
  });

  it('mjpeg frames are whole JPEGs that sharp decodes', async () => {
    const frames = await first(camera({ input: lavfi('320x240'), output: 'mjpeg', width: 160, height: 120 }), 3);
    for (const frame of frames) {
      if (frame.payload.kind !== 'encoded') throw new Error('expected an encoded frame');
      const { info } = await sharp(frame.payload.bytes).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([160, 120, 3]);
    }
  });

  it('a command producer (ffmpeg as a plain program) with raw output of a given size', async () => {
    const command = ['ffmpeg', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=40x30:rate=30', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'];
    const frames = await first(camera({ input: 'test pattern', command, commandOutput: 'gray8', width: 40, height: 30 }), 3);
    expect(frames.map((f) => raw(f).data.length)).toEqual([1200, 1200, 1200]);
  });

  it('a video file is read once and completes; with loop it goes on past its end', async () => {
    const once = await runToEnd(camera({ input: clip, realtime: false }).frames(), 20_000);
    expect(once.error).toBeUndefined();
    expect(once.frames).toHaveLength(50);
    expect(once.frames.map((f) => f.id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(raw(once.frames[0]!)).toMatchObject({ width: 96, height: 64 });
    const looped = await first(camera({ input: clip, realtime: false, loop: true }), 120);
    expect(looped).toHaveLength(120);
    expect(looped.every((f) => f.meta.restarts === 0)).toBe(true);
  });

  it('a killed producer is restarted: frames go on, ids keep increasing, the state passes through restarting', async () => {
    const warnings: string[] = [];
    const source = camera({}, (m) => warnings.push(m));
    const states: SourceState[] = [];
    const watch = source.state$.subscribe((s) => states.push(s));
    const state = record(source.frames());
    try {
      await until(() => state.frames.length >= 5, 30_000, '5 frames');
      const pid = source.pid!;
      process.kill(pid, 'SIGKILL');
      await until(() => state.frames.some((f) => f.meta.restarts === 1) && state.frames.length >= 15, 30_000, 'frames after the restart');
      expect(source.pid).not.toBe(pid);
      expect(processExists(pid)).toBe(false);
      const ids = state.frames.map((f) => f.id);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => ids[0]! + i));
      expect(source.stats.restarts).toBe(1);
      expect(source.stats.downtimeMs).toBeGreaterThan(0);
      expect(states).toEqual(expect.arrayContaining(['starting', 'running', 'restarting']));
      expect(states.slice(-1)).toEqual(['running']);
      expect(warnings.some((w) => w.startsWith('source cam/camera: ffmpeg was killed by SIGKILL after '))).toBe(true);
    } finally {
      state.subscription.unsubscribe();
      watch.unsubscribe();
    }
    expect(state.error).toBeUndefined();
  });

  it('a stopped producer (SIGSTOP) is a stall: killed after stall_timeout_ms and restarted', async () => {
    // However long ffmpeg takes to its first frame on a loaded machine, start_timeout_ms covers it: the 400 ms
    // count only between frames.
    const warnings: string[] = [];
    const source = camera({ stallTimeoutMs: 400 }, (m) => warnings.push(m));
    const state = record(source.frames());
    try {
      await until(() => state.frames.length >= 3, 30_000, '3 frames');
      expect(source.stats.restarts).toBe(0);
      const pid = source.pid!;
      process.kill(pid, 'SIGSTOP');
      await until(() => state.frames.some((f) => f.meta.restarts === 1), 30_000, 'a frame after the restart');
      // The kill came no sooner than 400 ms after the last frame delivered before it (a lower bound: no load breaks
      // it), judged from that very frame. Measured against the kill, not the next run's first frame: the SIGCONT
      // sent with the SIGTERM resumes the stopped ffmpeg, which writes the frame it had in hand before it exits, so
      // a frame of the old run can arrive after the kill (seen in every run) and be as little as 175 ms before the
      // restarted run's first frame on a busy machine.
      const stall = source.lastStallKill!;
      expect(stall).toBeDefined();
      const lastBefore = state.frames.filter((f) => f.meta.restarts === 0 && f.capturedMonoMs < stall.killedAtMs).at(-1)!;
      expect(lastBefore.capturedMonoMs).toBeGreaterThanOrEqual(stall.lastProgressMs);
      expect(stall.killedAtMs - lastBefore.capturedMonoMs).toBeGreaterThanOrEqual(395);
      const firstAfter = state.frames.find((f) => f.meta.restarts === 1)!;
      expect(firstAfter.capturedMonoMs).toBeGreaterThan(stall.killedAtMs);
      await until(() => !processExists(pid), 10_000, 'the stopped ffmpeg to be gone');
      expect(source.stats.stalls).toBe(1);
      expect(warnings.filter((w) => w.includes('restarting'))).toEqual([
        expect.stringMatching(/^source cam\/camera: ffmpeg stalled \(no frame for 400 ms\) and was killed after \d+ frames from lavfi:/),
      ]);
    } finally {
      state.subscription.unsubscribe();
    }
  });

  it('a producer whose first frame comes after stall_timeout_ms but within start_timeout_ms is not restarted', async () => {
    // A slow start (an RTSP camera connecting, ffmpeg on a busy board): one second before ffmpeg even starts,
    // five times the stall timeout.
    const script = 'sleep 1; exec ffmpeg -v error -re -f lavfi -i testsrc2=size=32x24:rate=30 -f mjpeg pipe:1';
    const warnings: string[] = [];
    const source = camera({ input: 'slow starter', command: ['sh', '-c', script], commandOutput: 'mjpeg', stallTimeoutMs: 200, startTimeoutMs: 30_000 }, (m) =>
      warnings.push(m),
    );
    const subscribedAt = performance.now();
    const state = record(source.frames());
    try {
      await until(() => state.frames.length >= 1 || state.done, 30_000, 'the first frame');
      expect(state.error).toBeUndefined();
      expect(state.frames[0]!.capturedMonoMs - subscribedAt).toBeGreaterThanOrEqual(1000);
      expect(state.frames[0]!.meta.restarts).toBe(0);
      expect(source.stats).toMatchObject({ restarts: 0, stalls: 0 });
      expect(warnings).toEqual([]);
    } finally {
      state.subscription.unsubscribe();
    }
  });

  it('a producer that never writes is killed after start_timeout_ms and restarted with backoff, then fails naming the cause', async () => {
    const warnings: string[] = [];
    const source = camera(
      { input: 'silent', command: ['sleep', '30'], commandOutput: 'mjpeg', stallTimeoutMs: 100, startTimeoutMs: 300, restart: { initialMs: 10, maxMs: 40 } },
      (m) => warnings.push(m),
    );
    const pids = new Set<number>();
    const startedAt = performance.now();
    const state = record(source.frames());
    const poll = setInterval(() => source.pid && pids.add(source.pid), 5);
    try {
      await until(() => state.done, 30_000, 'the source to fail');
    } finally {
      clearInterval(poll);
      state.subscription.unsubscribe();
    }
    // Five runs of at least start_timeout_ms each, not of the shorter stall_timeout_ms.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(5 * 300);
    expect(pids.size).toBeGreaterThanOrEqual(1);
    for (const pid of pids) await until(() => !processExists(pid), 10_000, `sleep ${pid} to be gone`);
    expect(source.stats).toMatchObject({ stalls: 5, restarts: 4 });
    expect(source.state).toBe('failed');
    expect(warnings).toEqual(Array(4).fill('source cam/camera: sleep was killed: no frame from silent within start_timeout_ms (300 ms) of starting; restarting'));
    expect((state.error as EdgepipeError).code).toBe('ERR_SOURCE_READ');
    expect((state.error as Error).message).toBe(
      'source cam/camera: sleep was killed: no frame from silent within start_timeout_ms (300 ms) of starting, 5 runs in a row without a frame',
    );
  });

  it('ffmpeg failing on its input: the error carries ffmpeg\'s last lines', async () => {
    const source = camera({ input: 'lavfi:nosuchfilter', restart: { initialMs: 5, maxMs: 10 } });
    const { error } = await runToEnd(source.frames(), 45_000);
    expect((error as Error).message).toMatch(/^source cam\/camera: ffmpeg exited with code 1 after 0 frames from lavfi:nosuchfilter, 5 runs in a row without a frame: .*nosuchfilter/);
  });

  it("unsubscribing ends the producer's whole process group: children it started are not orphaned", async () => {
    const script = 'sleep 30 & ffmpeg -v error -re -f lavfi -i testsrc2=size=32x24:rate=30 -f mjpeg pipe:1';
    const source = camera({ input: 'wrapper', command: ['sh', '-c', script], commandOutput: 'mjpeg' });
    const state = record(source.frames());
    await until(() => state.frames.length >= 2, 30_000, '2 frames');
    const pgid = source.pid!;
    expect(processGroupMembers(pgid).length).toBeGreaterThanOrEqual(3);
    state.subscription.unsubscribe();
    await until(() => processGroupMembers(pgid).length === 0, 10_000, 'the group to be gone');
    // The leader is a zombie until Node reaps it (its 'close' event); on a busy machine that comes later.
    await until(() => !processExists(pgid), 10_000, 'the group leader to be reaped (no zombie)');
  });

  it('unsubscribing kills ffmpeg (no zombie, no orphan) and resubscribing starts a new one with later ids', async () => {
    const source = camera();
    const state = record(source.frames());
    await until(() => state.frames.length >= 2, 30_000, '2 frames');
    const pid = source.pid!;
    state.subscription.unsubscribe();
    expect(source.state).toBe('ended');
    await until(() => !processExists(pid), 10_000, 'ffmpeg to be gone');
    const again = await first(source, 2);
    expect(again[0]!.id).toBeGreaterThan(state.frames.at(-1)!.id);
    await pause(50);
  });
});

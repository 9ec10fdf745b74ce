/**
 * Finite inputs with real ffmpeg and real files made by ffmpeg: an audio `input` file ends the source after
 * exactly its windows (no warning, no restart), loops with `loop`, is paced by the pipeline's demand without
 * `realtime` and by the sample rate with it; a camera `command` with `finite: true` ends after its clip's frames
 * or loops; a crash or an unexpected exit of a live command is still restarted; each ffmpeg line is logged once.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AudioSourceConfig, CameraSourceConfig } from '../../src/config/types.js';
import type { Frame, SeriesPayload } from '../../src/core/frame.js';
import { CameraSource } from '../../src/sources/camera-source.js';
import { AudioSampleProducer } from '../../src/sources/series/audio-source.js';
import { SeriesSource } from '../../src/sources/series/series-source.js';
import type { SourceContext } from '../../src/sources/types.js';
import { cameraConfig, freePort, processExists, runFfmpegTests } from './camera-helpers.js';
import { record, removeTempDirs, runToEnd, tempDir, until } from './helpers.js';
import { audioConfig, audioWindow, makeWav, wavSamples } from './series/audio-helpers.js';

afterAll(() => removeTempDirs());

const values = (frame: Frame): number[] => Array.from((frame.payload as SeriesPayload).values);

/**
 * A consumer like the pipeline's buffer with room for one frame: busy `busyMs` after each frame, its demand
 * pending meanwhile. A frame delivered while it is busy is one the pipeline would have dropped (an overrun).
 */
function slowConsumer(busyMs: number) {
  let busy = false;
  let waiters: Array<() => void> = [];
  const consumer = {
    overruns: 0,
    demand: (): Promise<void> => (busy ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    take: (): void => {
      if (busy) consumer.overruns += 1;
      busy = true;
      setTimeout(() => {
        busy = false;
        for (const wake of waiters.splice(0)) wake();
      }, busyMs);
    },
  };
  return consumer;
}

function audio(config: Partial<AudioSourceConfig>, context: SourceContext = {}) {
  const warnings: string[] = [];
  const producer = new AudioSampleProducer('mic', audioConfig(config), { warn: (m) => warnings.push(m), ...context });
  return { producer, source: new SeriesSource(producer, audioConfig(config).window, context.demand), warnings };
}

function camera(config: Partial<CameraSourceConfig>, context: SourceContext = {}) {
  const warnings: string[] = [];
  return { source: new CameraSource('door', cameraConfig(config), { warn: (m) => warnings.push(m), ...context }), warnings };
}

describe.runIf(runFfmpegTests)('audio input: FILE', () => {
  const dir = tempDir('finite-audio');
  // 16,000 samples: 16 windows of 1,000, none left over.
  const wav = makeWav(dir, 'tone.wav', 'sine=frequency=440:sample_rate=16000:duration=1');
  const samples = Array.from(wavSamples(wav), (v) => v / 32768);

  it('a WAV gives exactly its windows, then the source ends: no warning, no restart', async () => {
    const { producer, source, warnings } = audio({ input: wav, window: audioWindow({ length: 1000 }) });
    const { frames, error } = await runToEnd(source.frames(), 60_000);
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(16);
    expect(frames.flatMap(values)).toEqual(samples);
    expect(warnings).toEqual([]);
    expect(producer.stats).toMatchObject({ restarts: 0, passes: 1, samples: 16000 });
    expect(source.health()).toMatchObject({ state: 'ended', restarts: 0 });
  });

  it('other formats ffmpeg reads (FLAC, stereo to mono, 44.1 kHz to 16 kHz) are decoded to the configured samples', async () => {
    const flac = path.join(dir, 'stereo.flac');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=44100:duration=0.5', '-ac', '2', flac]);
    expect(made.status, made.stderr?.toString()).toBe(0);
    const { source, warnings } = audio({ input: flac, format: 'FLOAT_LE', window: audioWindow({ length: 1000 }) });
    const { frames, error } = await runToEnd(source.frames(), 60_000);
    expect(error).toBeUndefined();
    // 0.5 s at 16 kHz = 8,000 samples = 8 windows; lavfi's sine has amplitude 1/8.
    expect(frames).toHaveLength(8);
    const peak = Math.max(...frames.flatMap(values).map(Math.abs));
    expect(peak).toBeGreaterThan(0.12);
    expect(peak).toBeLessThan(0.13);
    expect(warnings).toEqual([]);
  });

  it('without realtime it is read as fast as it is taken: a slow consumer gets every window, none while busy', async () => {
    // One pipe read holds ~32 windows of 1,000 samples: without the pacing all but one would arrive while busy.
    const consumer = slowConsumer(15);
    const { producer, source } = audio({ input: wav, window: audioWindow({ length: 1000 }) }, { demand: consumer.demand });
    const frames: Frame[] = [];
    const sub = source.frames().subscribe({ next: (f) => (frames.push(f), consumer.take()) });
    await until(() => sub.closed, 60_000, 'the source to end');
    expect(frames).toHaveLength(16);
    expect(frames.flatMap(values)).toEqual(samples);
    expect(consumer.overruns).toBe(0);
    // Held while the consumer was busy: not a stall (15 ms x 16 is far below the 5 s stall timeout, but no restart either).
    expect(producer.stats.restarts).toBe(0);
  });

  it('realtime delivers at the sample rate: 0.5 s of sound takes at least ~0.5 s', async () => {
    const half = makeWav(dir, 'half.wav', 'sine=frequency=440:sample_rate=16000:duration=0.5');
    const { source, warnings } = audio({ input: half, realtime: true, window: audioWindow({ length: 1000 }) });
    const started = performance.now();
    const { frames, error } = await runToEnd(source.frames(), 60_000);
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(8);
    // A lower bound (ffmpeg -re sends the first samples at once; load only lengthens it).
    expect(frames.at(-1)!.capturedMonoMs - frames[0]!.capturedMonoMs).toBeGreaterThanOrEqual(350);
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(warnings).toEqual([]);
  });

  it('loop: true plays it again and again, the windows of each pass equal to the file, with no restart', async () => {
    const { producer, source, warnings } = audio({ input: wav, loop: true, window: audioWindow({ length: 1000 }) });
    const state = record(source.frames());
    await until(() => state.frames.length >= 40 || state.done, 60_000, 'two and a half passes');
    const pid = producer.pid;
    state.subscription.unsubscribe();
    expect(state.done).toBe(false);
    expect(state.frames.slice(16, 32).flatMap(values)).toEqual(samples);
    expect(warnings).toEqual([]);
    expect(producer.stats.restarts).toBe(0);
    if (pid !== undefined) await until(() => !processExists(pid), 10_000, 'ffmpeg to be stopped');
  });

  it('a missing file fails at once with ERR_SOURCE_NOT_FOUND naming it', async () => {
    const missing = path.join(dir, 'nope.wav');
    const { source, warnings } = audio({ input: missing });
    const { error } = await runToEnd(source.frames(), 20_000);
    expect((error as Error).message).toBe(`source mic/audio: audio file ${missing}: no such file or directory`);
    expect((error as { code: string }).code).toBe('ERR_SOURCE_NOT_FOUND');
    expect(warnings).toEqual([]);
  });
});

describe.runIf(runFfmpegTests)('audio command with finite: true', () => {
  const dir = tempDir('finite-audio-command');
  const wav = makeWav(dir, 'tone.wav', 'sine=frequency=440:sample_rate=16000:duration=1');
  const command = ['ffmpeg', '-v', 'error', '-i', wav, '-f', 's16le', '-ac', '1', '-ar', '16000', '-'];

  it('ends when the command exits 0 after its samples; with loop it runs again at once, not counted as a restart', async () => {
    const once = audio({ command, finite: true, window: audioWindow({ length: 1000 }) });
    const { frames, error } = await runToEnd(once.source.frames(), 60_000);
    expect(error).toBeUndefined();
    expect(frames).toHaveLength(16);
    expect(once.warnings).toEqual([]);

    const looped = audio({ command, finite: true, loop: true, window: audioWindow({ length: 1000 }) });
    const state = record(looped.source.frames());
    await until(() => looped.producer.stats.passes >= 2 || state.done, 60_000, 'two passes');
    state.subscription.unsubscribe();
    expect(state.done).toBe(false);
    expect(looped.producer.stats.restarts).toBe(0);
    expect(looped.warnings).toEqual([]);
    // The same file twice: the second pass's windows are the first's (no partial window was carried over).
    expect(state.frames.slice(16, 32).flatMap(values)).toEqual(state.frames.slice(0, 16).flatMap(values));
  });

  it('a finite command that crashes (status 3) after samples is still restarted, with one line saying so', async () => {
    const script = 'process.stdout.write(Buffer.alloc(8), () => process.exit(3))';
    const { producer, source, warnings } = audio({ command: [process.execPath, '-e', script], finite: true });
    const state = record(source.frames());
    await until(() => producer.stats.restarts >= 2, 60_000, 'two restarts');
    state.subscription.unsubscribe();
    expect(state.done).toBe(false);
    expect(warnings[0]).toBe(`source mic/audio: ${process.execPath} exited with code 3 after 4 samples from its command; restarting`);
    expect(producer.stats.passes).toBe(0);
  });
});

describe.runIf(runFfmpegTests)('camera command with finite: true', () => {
  const dir = tempDir('finite-camera');
  const clip = path.join(dir, 'clip.mkv');
  const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25', '-frames:v', '12', '-c:v', 'ffv1', clip]);
  if (made.status !== 0) throw new Error(`ffmpeg could not write ${clip}: ${made.stderr}`);
  const reader = ['ffmpeg', '-v', 'error', '-i', clip, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
  const clipCamera = { input: 'clip', command: reader, commandOutput: 'rgb24', width: 64, height: 48 } as const;

  it('ends after the clip\'s 12 frames: state ended, no warning, no restart', async () => {
    const { source, warnings } = camera({ ...clipCamera, finite: true });
    const { frames, error } = await runToEnd(source.frames(), 60_000);
    expect(error).toBeUndefined();
    expect(frames.map((f) => f.id)).toEqual([...Array(12).keys()]);
    expect(warnings).toEqual([]);
    expect(source.stats).toMatchObject({ restarts: 0, passes: 1, frames: 12 });
    expect(source.state).toBe('ended');
  });

  it('loop: true runs the command again at each end: ids go on, passes counted, no restart', async () => {
    const { source, warnings } = camera({ ...clipCamera, finite: true, loop: true });
    const state = record(source.frames());
    await until(() => source.stats.passes >= 2 || state.done, 60_000, 'two passes');
    state.subscription.unsubscribe();
    expect(state.done).toBe(false);
    expect(state.frames.length).toBeGreaterThanOrEqual(24);
    expect(state.frames.map((f) => f.id)).toEqual([...state.frames.keys()]);
    expect(state.frames.every((f) => f.meta['restarts'] === 0)).toBe(true);
    expect(source.stats.restarts).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('without finite (a live camera command) an exit with status 0 is restarted, as a camera gone wrong', async () => {
    const { source, warnings } = camera({ ...clipCamera });
    const state = record(source.frames());
    await until(() => source.stats.restarts >= 1, 60_000, 'a restart');
    state.subscription.unsubscribe();
    expect(warnings[0]).toBe(
      'source door/camera: ffmpeg exited with code 0 after 12 frames from clip; restarting (a command whose input ends, such as a file, needs finite: true)',
    );
    expect(source.stats.passes).toBe(0);
  });

  it('a finite command that crashes after a frame is restarted; its stderr is logged once', async () => {
    // One 2x2 rgb24 frame, a line on stderr, exit 1.
    const script = "console.error('starting'); process.stdout.write(Buffer.alloc(12), () => { console.error('boom'); process.exit(1); })";
    const { source, warnings } = camera({ input: 'crasher', command: [process.execPath, '-e', script], commandOutput: 'rgb24', width: 2, height: 2, finite: true });
    const state = record(source.frames());
    await until(() => source.stats.restarts >= 1 && warnings.length >= 3, 60_000, 'a restart');
    state.subscription.unsubscribe();
    const node = process.execPath;
    // stdout and stderr are separate pipes: 'starting' may come before or after the frame, but it is logged once.
    expect(warnings.slice(0, 2).sort()).toEqual([`source door/camera: ${node}: boom`, `source door/camera: ${node}: starting`]);
    expect(warnings[2]).toBe(`source door/camera: ${node} exited with code 1 after 1 frame from crasher; restarting`);
  });

  it('a video file in input is read as fast as it is taken: a slow consumer gets all 12 frames, none while busy', async () => {
    const consumer = slowConsumer(20);
    const { source, warnings } = camera({ input: clip, realtime: false, width: 64, height: 48 }, { demand: consumer.demand });
    const frames: Frame[] = [];
    const sub = source.frames().subscribe({ next: (f) => (frames.push(f), consumer.take()) });
    await until(() => sub.closed, 60_000, 'the source to end');
    expect(frames).toHaveLength(12);
    expect(consumer.overruns).toBe(0);
    expect(source.state).toBe('ended');
    expect(warnings).toEqual([]);
  });
});

describe.runIf(runFfmpegTests)('each ffmpeg error line is logged once', () => {
  it('a dead RTSP camera: every run\'s error lines appear once, in the line that says it ended, and never on their own', async () => {
    const port = await freePort();
    const input = `rtsp://127.0.0.1:${port}/stream`;
    const { source, warnings } = camera({ input, ioTimeoutMs: 1000, restart: { initialMs: 20, maxMs: 50 } });
    const { error } = await runToEnd(source.frames(), 120_000);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^source door/camera: ffmpeg exited with code 1 after 0 frames from ${input}, 5 runs in a row without a frame: `));
    expect(warnings).toHaveLength(4);
    for (const line of warnings) expect(line).toMatch(new RegExp(`^source door/camera: ffmpeg exited with code 1 after 0 frames from ${input}; restarting: `));
    // ffmpeg's own error line, once per run over the 5 runs (4 restart lines and the final error).
    const refused = `[error] ${input}: Connection refused`;
    const count = [...warnings, message].reduce((n, line) => n + line.split(refused).length - 1, 0);
    expect(count).toBe(5);
  });
});

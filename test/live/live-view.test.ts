/**
 * The live view's routes over real HTTP on 127.0.0.1, against real pipelines (the YOLO stand-in with fixed boxes on
 * a synthetic camera, a sensor pipeline on a fake sysfs accelerometer): page files, state, events, MJPEG frames
 * with the boxes drawn, commands, snapshots, validate, the viewer limit and the metrics.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MJPEG_BOUNDARY } from '../../src/live/mjpeg.js';
import { classColour } from '../../src/snapshot/svg.js';
import type { LiveState } from '../../src/live/index.js';
import { PLACEHOLDER_PAGE, postJson, request, startLive, until, type LiveSetup } from './live-harness.js';
import { decodeJpeg, MjpegReader, near } from './mjpeg-reader.js';

let setup: LiveSetup;
const readers: MjpegReader[] = [];

beforeAll(async () => {
  setup = await startLive({ maxViewers: 2, maxFps: 10 });
  // Both pipelines deliver before any test looks.
  await until(async () => {
    const state = (await request(setup.port, 'GET', '/api/state')).json<LiveState>();
    return state.pipelines.length === 2 && state.pipelines.every((p) => p.state === 'running' && Object.values(p.latency_ms).some((l) => l.p50 > 0));
  }, 60_000, 'both pipelines running');
}, 90_000);

afterAll(async () => {
  for (const reader of readers) reader.close();
  await setup?.stop();
});

function stream(target: string, headers: Record<string, string> = {}): MjpegReader {
  const reader = new MjpegReader(setup.port, target, headers);
  readers.push(reader);
  return reader;
}

async function state(): Promise<LiveState> {
  return (await request(setup.port, 'GET', '/api/state')).json<LiveState>();
}

const cam = async () => (await state()).pipelines.find((p) => p.name === 'cam')!;

describe('frames only while someone watches', () => {
  it('encodes nothing while no stream or frame.jpg is open, however many predictions pass', async () => {
    const tap = setup.live.tapOf('cam');
    const pipeline = setup.supervisor.pipelines().find((p) => p.name === 'cam')!;
    const before = { encoded: tap.encoded, out: pipeline.peek().framesOut };
    expect(tap.wantsFrame).toBe(false);
    await until(() => pipeline.peek().framesOut >= before.out + 10, 30_000, '10 more predictions');
    expect(tap.encoded).toBe(before.encoded);
    expect(before.encoded).toBe(0);
  }, 40_000);
});

describe('static files', () => {
  it('serves / and /static/ files of the web folder with the CSP, and nothing else', async () => {
    const page = await request(setup.port, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.text).toBe(PLACEHOLDER_PAGE);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe("default-src 'self'; img-src 'self' data: blob:");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await request(setup.port, 'GET', '/static/app.js');
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await request(setup.port, 'GET', '/static/vendor/chart.js')).status).toBe(200);
  });

  it('never reaches a file outside the web folder: ../, %2e%2e, encoded slashes, NUL, absolute paths', async () => {
    const hostile = [
      '/static/../secret.txt',
      '/static/..%2fsecret.txt',
      '/static/%2e%2e/secret.txt',
      '/static/%2e%2e%2fsecret.txt',
      '/static/vendor/../../secret.txt',
      '/static/vendor%2f..%2f..%2fsecret.txt',
      '/static/app.js%00.png',
      '/static/app.js\u0000',
      '/static//etc/passwd',
      '/static/%2fetc%2fpasswd',
      '/static/..\\secret.txt',
      '/static/.',
      '/static/',
      '/static/vendor',
      '/static/../../../../../../etc/passwd',
    ];
    for (const target of hostile) {
      const answer = await request(setup.port, 'GET', target).catch((error: Error) => ({ status: -1, text: error.message }));
      // 404 from the allowlist, or 400 from Node's parser for a raw NUL: never the file.
      expect([404, 400, -1], target).toContain(answer.status);
      expect(answer.text, target).not.toContain('not for the web');
      expect(answer.text, target).not.toContain('root:');
    }
  });
});

describe('/api/state and /api/whoami', () => {
  it('lists both pipelines with their kind, source, delegate, fps, latency, frame size and file', async () => {
    const now = await until(async () => {
      const s = await state();
      return s.pipelines.every((p) => p.fps_out > 0) ? s : undefined;
    }, 30_000, 'fps above 0');
    expect(now.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(now.soc).toHaveProperty('temperature_c');
    const [camera, accel] = [now.pipelines.find((p) => p.name === 'cam')!, now.pipelines.find((p) => p.name === 'accel')!];
    expect(camera).toMatchObject({ kind: 'image', state: 'running', paused: false, frame: { width: 320, height: 240 }, file: setup.yamlFile, zones: [], lines: [] });
    expect(camera.source.state).toBe('running');
    expect(camera.delegate.active).toBe('xnnpack');
    expect(Object.keys(camera.latency_ms)).toEqual(expect.arrayContaining(['preprocess', 'infer', 'total']));
    expect(accel).toMatchObject({ kind: 'series', state: 'running' });
  });

  it('whoami says no auth is needed on loopback without a token', async () => {
    expect((await request(setup.port, 'GET', '/api/whoami')).json()).toEqual({ auth_required: false, authenticated: true });
  });

  it('refuses a Host that is not loopback (DNS rebinding) and a cross-origin POST', async () => {
    const rebound = await request(setup.port, 'GET', '/api/state', { headers: { host: 'evil.example:80' } });
    expect(rebound.status).toBe(403);
    expect(rebound.json().error).toContain('expected a loopback Host');
    const crossSite = await postJson(setup.port, '/api/pipelines/cam/pause', {}, { origin: 'http://evil.example' });
    expect([crossSite.status, crossSite.json().error]).toEqual([403, 'cross-origin request refused']);
    expect((await cam()).paused).toBe(false);
  });

  it('answers unknown routes, pipelines and methods with JSON errors', async () => {
    expect((await request(setup.port, 'GET', '/api/nothing')).status).toBe(404);
    const unknown = await request(setup.port, 'GET', '/api/pipelines/nope/frame.jpg');
    expect([unknown.status, unknown.json().error]).toEqual([404, 'no pipeline named "nope"']);
    const sensor = await request(setup.port, 'GET', '/api/pipelines/accel/stream.mjpeg');
    expect(sensor.status).toBe(409);
    expect((await request(setup.port, 'GET', '/api/pipelines/cam/pause')).status).toBe(405);
    expect((await request(setup.port, 'POST', '/api/state')).status).toBe(405);
    const badFps = await request(setup.port, 'GET', '/api/pipelines/cam/stream.mjpeg?fps=abc');
    expect([badFps.status, badFps.json().error]).toEqual([400, 'expected fps a number above 0 (at most 10 is used) but received "abc"']);
    // The endpoint's own routes are untouched.
    expect((await request(setup.port, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('MJPEG stream and frame.jpg', () => {
  it('sends valid JPEG parts whose content changes, with the boxes drawn at their place', async () => {
    const reader = stream('/api/pipelines/cam/stream.mjpeg?fps=10');
    await reader.opened;
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toBe(`multipart/x-mixed-replace; boundary=${MJPEG_BOUNDARY}`);
    await until(() => reader.parts.length >= 6, 30_000, '6 MJPEG parts');
    const backgrounds = new Set<string>();
    let checkedBox = 0;
    for (const part of reader.parts.slice(0, 6)) {
      expect(part.headers['content-type']).toBe('image/jpeg');
      expect(Number(part.headers['x-capture-time'])).toBeGreaterThan(Date.now() - 60_000);
      const image = await decodeJpeg(part.jpeg);
      expect([image.width, image.height]).toEqual([320, 240]);
      const background = image.pixel(10, 230);
      backgrounds.add(background.map((v) => Math.round(v / 64)).join(','));
      // The person box (class 0) is at x 120..200, y 90..150 in the 320x240 frame; its left edge is 2 px of class 0's
      // colour. Checked on frames whose background is far from that colour (blue, grey).
      const red = classColour(0);
      if (!near(background, red, 80)) {
        expect(near(image.pixel(120, 125), red, 45), `box edge pixel ${image.pixel(120, 125)} vs ${red}`).toBe(true);
        expect(near(image.pixel(160, 125), background, 30), 'inside the box: the frame itself').toBe(true);
        checkedBox += 1;
      }
    }
    expect(checkedBox).toBeGreaterThan(0);
    // The synthetic camera cycles colours: the frames seen differ.
    expect(backgrounds.size).toBeGreaterThan(1);
    reader.close();
  }, 40_000);

  it('frame.jpg answers one annotated frame with its capture time', async () => {
    const frame = await request(setup.port, 'GET', '/api/pipelines/cam/frame.jpg');
    expect(frame.status).toBe(200);
    expect(frame.headers['content-type']).toBe('image/jpeg');
    expect(Number(frame.headers['x-frame-id'])).toBeGreaterThan(0);
    const image = await decodeJpeg(frame.body);
    expect(image.width).toBe(320);
  });

  it('refuses more than max_viewers streams with 503 and counts viewers, frames sent and skipped in /metrics', async () => {
    const first = stream('/api/pipelines/cam/stream.mjpeg?fps=2');
    const second = stream('/api/pipelines/cam/stream.mjpeg?fps=2');
    await Promise.all([first.opened, second.opened]);
    const third = await request(setup.port, 'GET', '/api/pipelines/cam/stream.mjpeg');
    expect(third.status).toBe(503);
    expect(third.json().error).toBe('2 live streams are open (runtime.http.live.max_viewers: 2); close one or try again later');
    await until(() => first.parts.length >= 1 && second.parts.length >= 1, 30_000, 'a part on each stream');
    const metrics = (await request(setup.port, 'GET', '/metrics')).text;
    expect(metrics).toContain('edgepipe_live_viewers{pipeline="cam"} 2');
    expect(metrics).toMatch(/edgepipe_live_frames_sent_total\{pipeline="cam"\} [1-9]\d*/);
    expect(metrics).toMatch(/edgepipe_live_frames_skipped_total\{pipeline="cam"\} \d+/);
    expect(metrics).toMatch(/edgepipe_live_refused_total\{reason="viewers"\} [1-9]/);
    first.close();
    // A place is free again once the server has seen the close.
    await until(() => setup.live.tapOf('cam').viewerCount === 1, 10_000, 'the closed stream counted off');
    const again = stream('/api/pipelines/cam/stream.mjpeg?fps=2');
    await again.opened;
    expect(again.status).toBe(200);
    second.close();
    again.close();
    await until(() => setup.live.tapOf('cam').viewerCount === 0, 10_000, 'no viewer left');
  }, 60_000);

  it('a slow viewer that does not read gets frames skipped, not buffered', async () => {
    // A raw socket that never reads: the server's writes stop draining and frames are skipped for it.
    const tap = setup.live.tapOf('cam');
    const skippedBefore = tap.skipped;
    const socket = await new Promise<import('node:net').Socket>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: setup.port, path: '/api/pipelines/cam/stream.mjpeg?fps=10', agent: false });
      req.on('socket', (s) => {
        s.on('connect', () => resolve(s));
      });
      req.on('response', (res) => res.pause());
      req.on('error', () => undefined);
    });
    socket.pause();
    // The kernel's socket buffers fill first (about 30 s at 10 fps here).
    await until(() => tap.skipped > skippedBefore, 110_000, 'frames skipped for the stalled viewer');
    socket.destroy();
    await until(() => tap.viewerCount === 0, 10_000, 'the stalled viewer counted off');
  }, 130_000);
});

describe('commands', () => {
  it('pause stops the frames (and the predictions), resume brings them back', async () => {
    const reader = stream('/api/pipelines/cam/stream.mjpeg?fps=10');
    await until(() => reader.parts.length >= 2, 30_000, 'parts before the pause');
    const paused = await postJson(setup.port, '/api/pipelines/cam/pause', {});
    expect([paused.status, paused.json().ok]).toEqual([200, true]);
    // An encode already running may still arrive; after that, nothing while frames are dropped as paused.
    const pipeline = setup.supervisor.pipelines().find((p) => p.name === 'cam')!;
    const droppedAtPause = pipeline.peek().drops.paused ?? 0;
    await until(() => (pipeline.peek().drops.paused ?? 0) >= droppedAtPause + 2, 30_000, 'two frames dropped as paused');
    const partsAfterPause = reader.parts.length;
    await until(() => (pipeline.peek().drops.paused ?? 0) >= droppedAtPause + 8, 30_000, 'eight frames dropped as paused');
    expect(reader.parts.length).toBe(partsAfterPause);
    expect((await cam()).paused).toBe(true);
    const resumed = await postJson(setup.port, '/api/pipelines/cam/resume', {});
    expect([resumed.status, resumed.json().ok]).toEqual([200, true]);
    await until(() => reader.parts.length > partsAfterPause, 30_000, 'parts after resume');
    reader.close();
  }, 70_000);

  it('snapshot keeps an annotated JPEG served under /api/snapshots/', async () => {
    const answer = await postJson(setup.port, '/api/pipelines/cam/snapshot', {});
    expect(answer.status).toBe(200);
    const { ok, url } = answer.json<{ ok: boolean; url: string }>();
    expect(ok).toBe(true);
    expect(url).toMatch(/^\/api\/snapshots\/[0-9a-f]{32}\.jpg$/);
    const jpeg = await request(setup.port, 'GET', url);
    expect([jpeg.status, jpeg.headers['content-type']]).toEqual([200, 'image/jpeg']);
    await decodeJpeg(jpeg.body);
    expect((await request(setup.port, 'GET', '/api/snapshots/00000000000000000000000000000000.jpg')).status).toBe(404);
  });

  it('requires a JSON body type (415) and bounds bodies (413)', async () => {
    const form = await request(setup.port, 'POST', '/api/pipelines/cam/pause', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect([form.status, form.json().error]).toEqual([415, 'expected Content-Type: application/json but received "application/x-www-form-urlencoded"']);
    const huge = await request(setup.port, 'POST', '/api/validate', { headers: { 'content-type': 'application/json' }, body: Buffer.alloc(300 * 1024, 0x20) });
    expect([huge.status, huge.json().error]).toEqual([413, 'expected a body of at most 262144 bytes but received 307200']);
    expect((await cam()).paused).toBe(false);
  });
});

describe('/api/validate', () => {
  it('validates the edited text like `edgepipe validate`, each problem at its line and column', async () => {
    const good = await postJson(setup.port, '/api/validate', { file: setup.yamlFile, yaml: setup.yamlText });
    expect(good.status).toBe(200);
    expect(good.json()).toEqual({ ok: true, problems: [] });
    const edited = setup.yamlText.replace('threshold: 0.5', 'threshold: 5').replace('buffer: { policy: latest }', 'bufer: { policy: latest }');
    const bad = await postJson(setup.port, '/api/validate', { file: setup.yamlFile, yaml: edited });
    const { ok, problems } = bad.json<{ ok: boolean; problems: Array<{ line: number; col: number; path: string; message: string }> }>();
    expect(ok).toBe(false);
    const lines = edited.split('\n');
    const thresholdLine = lines.findIndex((l) => l.includes('threshold: 5')) + 1;
    const buferLine = lines.findIndex((l) => l.includes('bufer:')) + 1;
    expect(problems.find((p) => p.path === 'pipelines[0].postprocess.threshold')).toMatchObject({ line: thresholdLine });
    expect(problems.find((p) => p.path.includes('bufer'))).toMatchObject({ line: buferLine, col: 5 });
    const other = await postJson(setup.port, '/api/validate', { file: '/etc/passwd', yaml: 'version: 1' });
    expect(other.status).toBe(400);
    expect(other.json().error).toContain("expected file to be one of the pipelines' files");
  }, 60_000);
});

describe('/api/pipelines/<name>/config', () => {
  it("hands the editor the pipeline's own file, read-only", async () => {
    const { pipelines } = (await request(setup.port, 'GET', '/api/state')).json<LiveState>();
    const answer = await request(setup.port, 'GET', `/api/pipelines/${pipelines[0]!.name}/config`);
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ file: setup.yamlFile, yaml: setup.yamlText });
    const write = await postJson(setup.port, `/api/pipelines/${pipelines[0]!.name}/config`, { yaml: 'version: 1' });
    expect(write.status).toBe(405);
    expect((await request(setup.port, 'GET', '/api/pipelines/nosuch/config')).status).toBe(404);
  });
});

describe('/api/events', () => {
  it('streams state every second, prediction summaries and sensor windows', async () => {
    const events: Array<{ event: string; data: Record<string, unknown> }> = [];
    const req = http.get({ host: '127.0.0.1', port: setup.port, path: '/api/events', agent: false }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
    });
    req.on('error', () => undefined);
    try {
      await until(() => events.filter((e) => e.event === 'state').length >= 2, 30_000, 'two state events');
      await until(() => events.some((e) => e.event === 'prediction' && e.data['pipeline'] === 'cam'), 30_000, 'a prediction event');
      const series = await until(() => events.find((e) => e.event === 'series'), 30_000, 'a series event');
      expect(series.data).toMatchObject({ pipeline: 'accel', window: { channels: ['accel_x', 'accel_y', 'accel_z'] } });
      const window = series.data['window'] as { values: number[][] };
      expect(window.values).toHaveLength(3);
      expect(window.values[2]![0]).toBeCloseTo(9.81, 1);
      expect(Object.keys(series.data['scores'] as object)).toEqual(['value', 'anomaly']);
      const prediction = events.find((e) => e.event === 'prediction' && e.data['pipeline'] === 'cam')!;
      expect(prediction.data['summary']).toBe('person 0.90, car 0.80');
      // At most 4 per second per pipeline: the camera gives 10.
      const cams = events.filter((e) => e.event === 'prediction' && e.data['pipeline'] === 'cam').map((e) => Date.parse(String(e.data['time'])));
      for (let i = 1; i < cams.length; i++) expect(cams[i]! - cams[i - 1]!).toBeGreaterThanOrEqual(200);
    } finally {
      req.destroy();
    }
  }, 60_000);
});

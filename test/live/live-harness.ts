/**
 * A real `edgepipe run`-like setup in-process for the live view tests: the YOLO stand-in (fixed boxes: a person
 * in the middle, a car at the left) on a synthetic camera, a sensor pipeline on a fake sysfs accelerometer, the
 * HTTP endpoint on 127.0.0.1:0 with the live view, and a placeholder page in the test's own web folder.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { memoryLogger } from '../../src/core/log.js';
import { writeExampleModels } from '../../src/demo/example-models.js';
import { LiveServer } from '../../src/live/index.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import { descriptorsFor } from '../../src/pipeline/validate.js';
import { HttpEndpoint } from '../../src/service/http-endpoint.js';
import { MetricsRegistry } from '../../src/service/metrics.js';
import { writeSensorModel } from '../helpers/sensor-models.js';

export interface LiveSetup {
  dir: string;
  yamlFile: string;
  yamlText: string;
  port: number;
  live: LiveServer;
  endpoint: HttpEndpoint;
  supervisor: Supervisor;
  logger: ReturnType<typeof memoryLogger>;
  stop(): Promise<void>;
}

export interface LiveSetupOptions {
  token?: string;
  maxViewers?: number;
  maxFps?: number;
  /** Source frame rate of the camera pipeline (default 10). */
  fps?: number;
  /** Leave the sensor pipeline out. */
  noSensor?: boolean;
  /** Serve this folder as the page (default: a placeholder page in the test's folder). */
  webRoot?: string;
  /** Limits of the HTTP endpoint. */
  limits?: ConstructorParameters<typeof HttpEndpoint>[0]['limits'];
}

export function cameraYaml(fps: number, models: string, sensorRoot?: string, sensorModel?: string): string {
  const lines = [
    'version: 1',
    'pipelines:',
    '  - name: cam',
    '    source: { kind: synthetic, width: 320, height: 240, fps: ' + fps + ', pattern: colours, frames: 0 }',
    `    model: { file: ${models}/yolo_int8.tflite, labels: ${models}/coco80_labels.txt, delegates: [xnnpack, cpu] }`,
    '    preprocess: { resize: fill }',
    '    postprocess: { kind: detect-yolo, threshold: 0.5, objectness: false, coordinates: normalized }',
    '    buffer: { policy: latest }',
    '    stats_interval_s: 0',
  ];
  if (sensorRoot && sensorModel) {
    lines.push(
      '  - name: accel',
      '    source:',
      '      kind: iio',
      '      device: lis3dh',
      '      channels: [accel_x, accel_y, accel_z]',
      '      rate_hz: 50',
      `      root: ${sensorRoot}`,
      '      window: { length: 4, hop: 2, normalize: fixed, mean: [0, 0, 9.81], std: [1, 1, 1], max_missing: 1 }',
      `    model: { file: ${sensorModel} }`,
      '    postprocess: { kind: scalar, above: 0 }',
      '    buffer: { policy: queue, size: 8 }',
      '    stats_interval_s: 0',
    );
  }
  return `${lines.join('\n')}\n`;
}

function fakeAccelerometer(dir: string): string {
  const root = path.join(dir, 'iio');
  const device = path.join(root, 'iio:device3');
  mkdirSync(device, { recursive: true });
  const files = { name: 'lis3dh', in_accel_x_raw: '100', in_accel_y_raw: '-50', in_accel_z_raw: '981', in_accel_scale: '0.01' };
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(device, file), `${text}\n`);
  return root;
}

export const PLACEHOLDER_PAGE = '<!doctype html><title>test page</title><script src="/static/app.js"></script>';

export async function startLive(options: LiveSetupOptions = {}): Promise<LiveSetup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-live-'));
  const models = path.join(dir, 'models');
  writeExampleModels(models);
  const web = path.join(dir, 'web');
  mkdirSync(path.join(web, 'vendor'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), PLACEHOLDER_PAGE);
  writeFileSync(path.join(web, 'app.js'), 'console.log("live");\n');
  writeFileSync(path.join(web, 'vendor', 'chart.js'), '// chart\n');
  writeFileSync(path.join(dir, 'secret.txt'), 'not for the web\n');
  const sensor = options.noSensor ? undefined : { root: fakeAccelerometer(dir), model: writeSensorModel(dir, 'accel.tflite', 12, 1, 11).file };
  const yamlFile = path.join(dir, 'live.yaml');
  const yamlText = cameraYaml(options.fps ?? 10, models, sensor?.root, sensor?.model);
  writeFileSync(yamlFile, yamlText);
  const config = parseConfig(yamlFile, yamlText);
  const logger = memoryLogger();
  const registry = new MetricsRegistry();
  let supervisor: Supervisor | undefined;
  const live = new LiveServer({
    supervisors: () => (supervisor ? [supervisor] : []),
    logger,
    webRoot: options.webRoot ?? web,
    ...(options.token ? { token: options.token } : {}),
    ...(options.maxViewers ? { maxViewers: options.maxViewers } : {}),
    ...(options.maxFps ? { maxFps: options.maxFps } : {}),
  });
  // Predictions to no configured sink (the default is stdout): the live view's tap and the metrics sink only.
  supervisor = new Supervisor(config.pipelines.map((p) => ({ ...p, sinks: [] })), {
    runtime: config.runtime,
    logger,
    descriptors: descriptorsFor(config),
    extraSinks: (name) => [registry.sinkFor(name), live.sinkFor(name)],
  });
  const endpoint = new HttpEndpoint({
    listen: '127.0.0.1:0',
    supervisors: () => [supervisor!],
    registry,
    logger,
    extension: live,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const { port } = await endpoint.start();
  await supervisor.start();
  return {
    dir,
    yamlFile,
    yamlText,
    port,
    live,
    endpoint,
    supervisor,
    logger,
    async stop() {
      await supervisor!.stop();
      live.stop();
      await endpoint.stop();
    },
  };
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** One request over a fresh connection; resolves with the whole answer. */
export function request(port: number, method: string, target: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs JSON. */
export function postJson(port: number, target: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return request(port, 'POST', target, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Polls `test` every 50 ms until it holds, at most `timeoutMs`. */
export async function until<T>(test: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

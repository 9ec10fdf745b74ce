/**
 * Cascades in a YAML pipeline, on real parts: PNG frames rendered with sharp (a red object and a blue one) read by
 * the images source, the YOLO-layout stand-in as the detector (real TFLite, fixed boxes on the objects), the
 * tracker, then the demo's colour classifier on the crops. Each track carries its object's colour, the MQTT
 * payload and the track_end events with it validate against the shipped schemas, and a failing accelerator under
 * the second model fails over to the CPU without stopping the pipeline.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jsonSchemaErrors, type Json, type JsonSchema } from '../../src/config/json-schema-check.js';
import { parseConfig } from '../../src/config/load.js';
import type { TrackEndEvent, TrackEvent } from '../../src/core/events.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { builtinDelegatesDir, loadDelegateDescriptors, parseDelegateDescriptor } from '../../src/runtime/delegates.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { predictionPayload } from '../../src/sinks/mqtt/envelope.js';
import { trackEventPayload } from '../../src/sinks/mqtt/messages.js';
import { predictionSchemaCheck } from '../../src/watch/schema-check.js';
import { buildDelegatePlugin } from '../helpers/build-c.js';
import { writeColourModel, writeYoloLayoutModel } from '../helpers/image-models.js';
import { until } from '../sources/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-cascade-pipeline-'));
const colourModel = writeColourModel(dir);
// Input-normalised boxes: a person (class 0) and a car (class 2) on a 160x120 frame.
const detector = writeYoloLayoutModel(dir, 'yolo.tflite', 3, 8, [
  { cx: 0.25, cy: 0.3, w: 0.2, h: 0.2, classIndex: 0, score: 0.9 },
  { cx: 0.7, cy: 0.6, w: 0.3, h: 0.3, classIndex: 2, score: 0.9 },
]);
const labels = path.join(dir, 'labels.txt');
writeFileSync(labels, 'person\nbicycle\ncar\n');
const trackEventSchema = JSON.parse(readFileSync(new URL('../../schema/track-event.schema.json', import.meta.url), 'utf8')) as JsonSchema;

async function renderScene(): Promise<string> {
  const rect = (x: number, y: number, w: number, h: number, fill: string) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${fill}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="160" height="120" fill="#808080"/>` +
    `${rect(24, 24, 32, 24, '#dc1e1e')}${rect(88, 54, 48, 36, '#1e28dc')}</svg>`;
  const frames = path.join(dir, 'frames');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(frames, { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(path.join(frames, 'scene.png'));
  return frames;
}

function yaml(frames: string, cascade: string): string {
  return `
version: 1
pipelines:
  - name: shapes
    source: { kind: images, path: ${frames}, loop: true, fps: 20 }
    model: { file: ${detector}, labels: ${labels}, delegates: [cpu] }
    postprocess: { kind: detect-yolo, threshold: 0.3, objectness: false, coordinates: normalized }
    buffer: { policy: queue, size: 4 }
    track: { min_hits: 1 }
    sinks: [{ kind: file, path: ${path.join(dir, 'out.jsonl')} }]
    cascade:
${cascade}
`;
}

interface Run {
  pipeline: Pipeline;
  predictions: Prediction[];
  events: TrackEvent[];
  logger: ReturnType<typeof memoryLogger>;
}

/** Starts the pipeline of `text`, waits until `done`, stops it. */
async function runUntil(text: string, done: (run: Run) => boolean, descriptors?: ReturnType<typeof loadDelegateDescriptors>): Promise<Run> {
  const config = parseConfig(path.join(dir, 'cascade.yaml'), text);
  const run: Run = { predictions: [], events: [], logger: memoryLogger() } as unknown as Run;
  run.pipeline = new Pipeline(config.pipelines[0]!, {
    runtime: config.runtime,
    logger: run.logger,
    ...(descriptors ? { descriptors } : {}),
    extraSinks: (p) => [{ ...callbackSink(p, (x) => run.predictions.push(x)), event: (e: TrackEvent) => void run.events.push(e) }],
  });
  await run.pipeline.start();
  try {
    await until(() => done(run), 60_000, 'the cascade results');
  } finally {
    await run.pipeline.stop();
  }
  return run;
}

const colourOf = (p: Prediction | undefined, label: string) => p?.analytics?.tracks?.find((t) => t.label === label)?.secondary?.['colour']?.label;

describe('cascade in a pipeline (sharp-rendered frames, images source)', () => {
  it('each track carries its object\'s colour; payloads and track_end events validate against the schemas', async () => {
    const frames = await renderScene();
    const run = await runUntil(
      yaml(frames, `      - { name: colour, model: ${colourModel}, classes: [person, car], every_frames: 5, max_per_second: 50 }`),
      (r) => r.predictions.length >= 12 && colourOf(r.predictions.at(-1), 'person') !== undefined && colourOf(r.predictions.at(-1), 'car') !== undefined,
    );
    const last = run.predictions.at(-1)!;
    expect([colourOf(last, 'person'), colourOf(last, 'car')]).toEqual(['red', 'blue']);
    const payload = JSON.parse(predictionPayload(last, 1, 'gate-3')) as Record<string, unknown>;
    expect(predictionSchemaCheck()(payload as Json)).toEqual([]);
    expect((payload['tracks'] as Array<Record<string, unknown>>).map((t) => (t['secondary'] as Record<string, { label: string }>)['colour']!.label)).toEqual(['red', 'blue']);
    // The tracks end at stop; their track_end names the colour.
    const ends = run.events.filter((e): e is TrackEndEvent => e.type === 'track_end');
    expect(ends.map((e) => [e.label, e.secondary?.['colour']?.label])).toEqual([['person', 'red'], ['car', 'blue']]);
    for (const end of ends) expect(jsonSchemaErrors(trackEventSchema, JSON.parse(trackEventPayload(end, 1, 'gate-3')) as Json)).toEqual([]);
    const counters = run.pipeline.report().stages?.['cascade-colour'];
    expect(counters).toMatchObject({ queuedFirst: 2, failed: 0, forgotten: 2 });
    // At most one crop per track every 5 of its frames (plus its first).
    expect(counters!['invocations']).toBeLessThanOrEqual(2 * (Math.floor(run.predictions.length / 5) + 1));
  });

  it('a failing accelerator under the second model fails over to the CPU; the pipeline keeps going', async () => {
    const library = await buildDelegatePlugin('int8_fc');
    const descriptors = loadDelegateDescriptors([builtinDelegatesDir]);
    const descriptor = parseDelegateDescriptor('int8_fc.yaml', [
      'version: 1', 'name: int8_fc', 'abi: plugin', 'library:', `  names: [${path.basename(library)}]`,
      '  search_paths:', `    ${process.arch}: [${path.dirname(library)}]`,
    ].join('\n'));
    // The warm-up invoke is the delegate's first: crops 1-2 work on int8_fc, the third fails.
    descriptors.set('int8_fc', { ...descriptor, options: { fail_after: 3 } });
    const frames = await renderScene();
    const text = yaml(frames, `      - { name: colour, model: ${colourModel}, classes: [person, car], every_frames: 1, max_per_second: 100, delegates: [int8_fc, cpu] }`)
      .replace('delegates: [cpu] }', 'delegates: [cpu], health: { failures: 1, timeout_ms: 5000, reprobe_s: 0 } }');
    const run = await runUntil(text, (r) => (r.pipeline.report().stages?.['cascade-colour']?.['invocations'] ?? 0) >= 6, descriptors);
    const counters = run.pipeline.report().stages!['cascade-colour']!;
    expect(counters).toMatchObject({ failed: 1, failovers: 1 });
    expect(run.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: 'pipeline shapes: cascade[0] delegate int8_fc -> cpu' }));
    expect(run.logger.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^pipeline shapes: cascade colour: a crop of track \d \(frame \d+\) failed: .*injected failure after 3 invokes/) }));
    const last = run.predictions.at(-1)!;
    expect([colourOf(last, 'person'), colourOf(last, 'car')]).toEqual(['red', 'blue']);
    expect(run.pipeline.report().drops).toEqual({});
  });
});

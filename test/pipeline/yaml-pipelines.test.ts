/**
 * YAML files through the loader and the engine, as `edgepipe run` does it: the shipped examples validate
 * (schema, and against their models when ../shared/models is here), and real models give the reference answers
 * through a pipeline.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFiles, parseConfig } from '../../src/config/load.js';
import type { ConfigFile } from '../../src/config/types.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import { descriptorsFor, validateModels } from '../../src/pipeline/validate.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { writeExampleModels } from '../../src/demo/example-models.js';
import { writeYoloLayoutModel } from '../helpers/image-models.js';
import { hasSharedModels, projectRoot, sharedModel, sharedModelsDir } from '../helpers/shared-models.js';
import { until } from '../sources/helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-yaml-'));
// ${EDGEPIPE_MODELS} as on a board: the shared models (when present) next to the models `edgepipe demo
// --write-models` writes.
const modelsDir = path.join(dir, 'models');
mkdirSync(modelsDir);
if (existsSync(sharedModelsDir)) for (const name of readdirSync(sharedModelsDir)) symlinkSync(path.join(sharedModelsDir, name), path.join(modelsDir, name));
writeExampleModels(modelsDir);
// Instead of the stand-in's two boxes, a model with the same YOLOv8 output layout ([1, 84, boxes]) and more cases.
// A person in the middle of the 32x32 input, a car at its top left, a dog (not in the example's classes) and a
// weak truck (below its threshold).
writeYoloLayoutModel(modelsDir, 'yolo_int8.tflite', 80, 20, [
  { cx: 0.5, cy: 0.5, w: 0.25, h: 0.25, classIndex: 0, score: 0.9 },
  { cx: 0.25, cy: 0.375, w: 0.125, h: 0.125, classIndex: 2, score: 0.8 },
  { cx: 0.75, cy: 0.5, w: 0.25, h: 0.25, classIndex: 16, score: 0.95 },
  { cx: 0.75, cy: 0.75, w: 0.125, h: 0.125, classIndex: 7, score: 0.2 },
]);
const env = { ...process.env, EDGEPIPE_MODELS: modelsDir };
const examplesDir = path.join(projectRoot, 'pipelines');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));

async function runToEnd(config: ConfigFile): Promise<Prediction[]> {
  const predictions: Prediction[] = [];
  const pipelines = config.pipelines.map((p) => ({ ...p, sinks: [] }));
  const supervisor = new Supervisor(pipelines, {
    runtime: config.runtime,
    logger: memoryLogger(),
    descriptors: descriptorsFor(config),
    extraSinks: (name) => [callbackSink(name, (p) => predictions.push(p))],
  });
  await supervisor.start();
  expect(supervisor.status().map((s) => s.lastError ?? 'ok')).toEqual(pipelines.map(() => 'ok'));
  await supervisor.whenAllEnded();
  await supervisor.stop();
  return predictions;
}

function writeYaml(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('shipped example pipelines', () => {
  it.each(examples)('%s passes the schema', (file) => {
    const full = path.join(examplesDir, file);
    const config = parseConfig(full, readFileSync(full, 'utf8'), { env });
    expect(config.pipelines.length).toBeGreaterThan(0);
  });

  it.skipIf(!hasSharedModels)('all fit their models (edgepipe validate pipelines/)', async () => {
    const configs = await loadConfigFiles([examplesDir], { env });
    expect(await validateModels(configs)).toEqual([]);
  });

  it('the sensor examples fit the stand-in model edgepipe writes (no shared models needed)', async () => {
    const sensorExamples = ['accelerometer-anomaly.yaml', 'serial-sensor.yaml', 'mqtt-sensor.yaml'];
    const configs = await loadConfigFiles(sensorExamples.map((f) => path.join(examplesDir, f)), { env });
    expect(configs.flatMap((c) => c.pipelines.map((p) => p.source.kind))).toEqual(['iio', 'serial', 'mqtt']);
    expect(await validateModels(configs)).toEqual([]);
  });

  it.skipIf(!hasSharedModels)('the microphone example\'s window fits YAMNet\'s waveform input', async () => {
    const file = path.join(examplesDir, 'microphone-sounds.yaml');
    const configs = await loadConfigFiles([file], { env });
    expect(configs[0]!.pipelines[0]!.source.kind).toBe('audio');
    expect(await validateModels(configs)).toEqual([]);
    const config = parseConfig(file, readFileSync(file, 'utf8').replace('length: 15600 ', 'length: 16000 '), { env });
    expect((await validateModels([config])).map((p) => p.message)).toEqual([
      'input waveform_binary is float32 [15600] (15600 values) but the window gives 16000 steps x 1 channel = 16000; set window.length to 15600',
    ]);
  });

  it('detect-yolo.yaml fits a model with a YOLOv8 output layout, and finds boxes in camera pixels through it', async () => {
    const file = path.join(examplesDir, 'detect-yolo.yaml');
    const configs = await loadConfigFiles([file], { env });
    expect(await validateModels(configs)).toEqual([]);
    // The same pipeline on a synthetic 1280x720 source: every box is inside the frame, after undoing the letterbox.
    const text = readFileSync(file, 'utf8').replace(/source:\n(\s+kind: camera\n(?:\s+\w+: .*\n)+)/u, 'source: { kind: synthetic, width: 1280, height: 720, fps: 0, frames: 3 }\n');
    const config = parseConfig(file, text, { env });
    expect(config.pipelines[0]!.source.kind).toBe('synthetic');
    const predictions = await runToEnd({ ...config, pipelines: config.pipelines.map((p) => ({ ...p, buffer: { policy: 'queue', size: 4 } })) });
    expect(predictions).toHaveLength(3);
    // 1280x720 letterboxed into 32x32: scale 1/40, 18 rows of image with 7 rows of pad above. The person's
    // 8x8-pixel box centred at (16,16) is 320x320 at (480,200) in the camera's pixels; the car's 4x4 box centred
    // at (8,12) is 160x160 at (240,120). The dog is not among the classes, the truck below the threshold.
    for (const prediction of predictions) {
      if (prediction.result.kind !== 'detect') throw new Error(`expected detect, got ${prediction.result.kind}`);
      const found = prediction.result.objects.map((o) => ({ label: o.label, score: Math.round(o.score * 100) / 100, box: o.box }));
      expect(found).toEqual([
        { label: 'person', score: 0.9, box: { x: expect.closeTo(480, 0), y: expect.closeTo(200, 0), width: expect.closeTo(320, 0), height: expect.closeTo(320, 0) } },
        { label: 'car', score: 0.8, box: { x: expect.closeTo(240, 0), y: expect.closeTo(120, 0), width: expect.closeTo(160, 0), height: expect.closeTo(160, 0) } },
      ]);
    }
  });

  it('a sensor window that does not fit the model is named with its numbers', async () => {
    const text = readFileSync(path.join(examplesDir, 'accelerometer-anomaly.yaml'), 'utf8').replace('length: 128 ', 'length: 100 ');
    const config = parseConfig(path.join(examplesDir, 'accelerometer-anomaly.yaml'), text, { env });
    const problems = await validateModels([config]);
    expect(problems.map((p) => p.message)).toEqual([
      'input window is int8 [1,384] (384 values) but the window gives 100 steps x 3 channels = 300; set window.length to 128',
    ]);
    expect(problems[0]!.origin).toMatch(/accelerometer-anomaly\.yaml:\d+:\d+$/);
  });
});

describe.skipIf(!hasSharedModels)('real models through YAML pipelines', () => {
  it('cat.png through a classify pipeline gives "Egyptian cat"', async () => {
    const file = writeYaml('cat.yaml', [
      'version: 1', 'pipelines:', '  - name: cat',
      `    source: { kind: images, path: "${sharedModel('images/cat.png')}" }`,
      `    model: { file: "${sharedModel('mobilenet_v2_1.0_224_quant.tflite')}" }`,
      '    postprocess: { kind: classify, top_k: 1 }',
    ].join('\n'));
    const [config] = await loadConfigFiles([file], { env });
    const predictions = await runToEnd(config!);
    expect(predictions).toHaveLength(1);
    expect(predictions[0]!.result).toMatchObject({ kind: 'classify', classes: [{ index: 286, label: 'Egyptian cat' }] });
  });

  it('the microphone example runs YAMNet on its windows: a 1 kHz tone from ffmpeg instead of arecord is a beep', async () => {
    const file = path.join(examplesDir, 'microphone-sounds.yaml');
    // The audio source's `command`: raw S16_LE mono 16 kHz samples on stdout, as arecord writes them.
    const tone = '      command: [ffmpeg, -v, error, -f, lavfi, -i, "sine=frequency=1000:duration=2", -f, s16le, -ac, "1", -ar, "16000", "-"]\n';
    const text = readFileSync(file, 'utf8').replace(/(      device: .*\n)/u, `$1${tone}`);
    const config = parseConfig(file, text, { env });
    expect(config.pipelines[0]!.source).toMatchObject({ kind: 'audio', command: expect.arrayContaining(['ffmpeg']) });
    const predictions: Prediction[] = [];
    const supervisor = new Supervisor(config.pipelines.map((p) => ({ ...p, sinks: [] })), {
      runtime: config.runtime,
      logger: memoryLogger(),
      descriptors: descriptorsFor(config),
      extraSinks: (name) => [callbackSink(name, (p) => predictions.push(p))],
    });
    await supervisor.start();
    try {
      // Two seconds of tone are 3 windows of 15,600 samples with a hop of 7,800; the command is restarted when it ends.
      await until(() => predictions.length >= 3, 120_000, 'three YAMNet answers');
    } finally {
      await supervisor.stop();
    }
    for (const prediction of predictions.slice(0, 3)) {
      if (prediction.result.kind !== 'classify') throw new Error(`expected classify, got ${prediction.result.kind}`);
      expect(prediction.result.classes[0]!.label).toBe('Beep, bleep');
      expect(prediction.result.classes[0]!.score).toBeGreaterThan(0.5);
    }
  });

  it('the traffic detector finds the car in 0001.png with its box in source pixels, state fed back over 3 frames', async () => {
    const text = readFileSync(path.join(examplesDir, 'detect-traffic.yaml'), 'utf8')
      .replace('loop: true', 'loop: false')
      .replace('fps: 5', 'fps: 0')
      .replace('policy: latest', 'policy: queue');
    const config = parseConfig(path.join(examplesDir, 'detect-traffic.yaml'), text, { env });
    const predictions = await runToEnd(config);
    expect(predictions.map((p) => p.meta['file'])).toEqual(['0001.png', '0002.png', '0003.png'].map((f) => path.join(modelsDir, 'traffic_frames', f)));
    const first = predictions[0]!.result;
    if (first.kind !== 'detect') throw new Error(`expected detections, got ${first.kind}`);
    // README: ymin 0.58, xmin 0.27, ymax 0.77, xmax 0.55 of a 256x256 frame.
    const car = first.objects.find((o) => o.index === 0 && Math.abs(o.box.x - 0.27 * 256) < 8 && Math.abs(o.box.y - 0.58 * 256) < 8);
    expect(car, JSON.stringify(first.objects)).toBeDefined();
    expect(car!.box.width).toBeCloseTo((0.55 - 0.27) * 256, -1);
    expect(car!.box.height).toBeCloseTo((0.77 - 0.58) * 256, -1);
  });
});

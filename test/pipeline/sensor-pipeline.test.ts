/**
 * A sensor pipeline end to end, from YAML: a fake sysfs IIO accelerometer -> windows -> quantised input ->
 * real TFLite (a FULLY_CONNECTED model with a bit-exact reference) -> classify. The scores must be exactly the
 * reference's for the window the sensor values make, and the stats carry the source's sample counters.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { until } from '../sources/helpers.js';
import { writeSensorModel } from '../helpers/sensor-models.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-sensor-pipeline-'));

function fakeAccelerometer(): string {
  const root = path.join(dir, 'iio');
  const device = path.join(root, 'iio:device3');
  mkdirSync(device, { recursive: true });
  const files = { name: 'lis3dh', in_accel_x_raw: '100', in_accel_y_raw: '-50', in_accel_z_raw: '981', in_accel_scale: '0.01' };
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(device, file), `${text}\n`);
  return root;
}

describe('a sensor pipeline from YAML', () => {
  it('turns IIO samples into exactly the score the model gives for that window', async () => {
    const steps = 4;
    const { file: modelFile, model } = writeSensorModel(dir, 'accel.tflite', steps * 3, 1, 11);
    const yaml = [
      'version: 1',
      'pipelines:',
      '  - name: vibration',
      '    source:',
      '      kind: iio',
      '      device: lis3dh',
      '      channels: [accel_x, accel_y, accel_z]',
      '      rate_hz: 50',
      `      root: ${fakeAccelerometer()}`,
      // max_missing 1: a tick a loaded machine misses is filled from the previous value, which is the same
      // (the files do not change), so no window is dropped and the scores stay exact whatever the load.
      `      window: { length: ${steps}, hop: 2, normalize: fixed, mean: [0, 0, 9.81], std: [1, 1, 1], max_missing: 1 }`,
      `    model: { file: ${modelFile} }`,
      '    postprocess: { kind: scalar, above: 0 }',
      '    buffer: { policy: queue, size: 8 }',
      '    stats_interval_s: 0',
    ].join('\n');
    const config = parseConfig(path.join(dir, 'sensor.yaml'), yaml).pipelines[0]!;
    const predictions: Prediction[] = [];
    const pipeline = new Pipeline({ ...config, sinks: [] }, {
      runtime: parseConfig(path.join(dir, 'sensor.yaml'), yaml).runtime,
      logger: memoryLogger(),
      extraSinks: (name) => [callbackSink(name, (p) => predictions.push(p))],
    });
    await pipeline.start();
    await until(() => predictions.length >= 3, 10_000, 'three windows');
    const report = pipeline.report();
    await pipeline.stop();

    // x = 1.00, y = -0.50, z = 9.81 m/s^2; fixed normalisation leaves (1, -0.5, 0) per step.
    const input = model.inputs[0]!;
    const quantise = (real: number): number => Math.max(-128, Math.min(127, Math.round(real / input.scale!) + input.zeroPoint!));
    const window = Int8Array.from({ length: steps * 3 }, (_, i) => quantise([1, -0.5, 0][i % 3]!));
    const output = model.outputs[0]!;
    const expected = (model.reference(window)[0]! - output.zeroPoint!) * output.scale!;
    for (const prediction of predictions.slice(0, 3)) {
      expect(prediction.result).toEqual({ kind: 'scalar', value: expect.closeTo(expected, 6), anomaly: expected > 0 });
      expect(prediction.source).toBe('vibration/iio');
    }
    // Windows of 4 samples every 2: consecutive frame ids, no gaps, nothing dropped.
    expect(predictions.slice(0, 3).map((p) => p.frameId)).toEqual([0, 1, 2]);
    expect(report.drops).toEqual({});
    expect(report.source?.series?.samples).toBeGreaterThanOrEqual(steps + 2 * 2);
    expect(report.source?.series?.incompleteWindows).toBe(0);
  });
});

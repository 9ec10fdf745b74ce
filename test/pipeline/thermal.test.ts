/**
 * The SoC temperature from a fake /sys/class/thermal tree: which zone counts, throttling with hysteresis, and a
 * pipeline that lets fewer frames through (drops counted as `thermal`) while the SoC is hot.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRuntime } from '../../src/config/load.js';
import type { ThermalConfig } from '../../src/config/types.js';
import type { Prediction } from '../../src/core/frame.js';
import { memoryLogger } from '../../src/core/log.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { ThermalMonitor } from '../../src/pipeline/thermal.js';
import { callbackSink } from '../../src/sinks/callback-sink.js';
import { writeColourModel } from '../helpers/image-models.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';

function fakeMachine(zones: Record<string, [string, number]>, model?: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'edgepipe-thermal-'));
  for (const [zone, [type, millidegrees]] of Object.entries(zones)) {
    const dir = path.join(root, 'sys/class/thermal', zone);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'type'), `${type}\n`);
    writeFileSync(path.join(dir, 'temp'), `${millidegrees}\n`);
  }
  if (model) {
    mkdirSync(path.join(root, 'proc/device-tree'), { recursive: true });
    writeFileSync(path.join(root, 'proc/device-tree/model'), `${model}\0`);
  }
  return root;
}
const setTemp = (root: string, zone: string, millidegrees: number): void =>
  writeFileSync(path.join(root, 'sys/class/thermal', zone, 'temp'), `${millidegrees}\n`);

const thermal = (root: string, over: Partial<ThermalConfig> = {}): ThermalConfig => ({ ...defaultRuntime().thermal, root, intervalS: 3600, ...over });
const monitors: ThermalMonitor[] = [];
const acquire = (config: ThermalConfig): ThermalMonitor => {
  const monitor = ThermalMonitor.acquire(config);
  monitors.push(monitor);
  return monitor;
};
afterEach(() => {
  for (const monitor of monitors.splice(0)) monitor.release();
});

describe('ThermalMonitor', () => {
  it("reads the hottest of the board profile's zones (a Raspberry Pi 5 watches cpu-thermal)", async () => {
    const root = fakeMachine({ thermal_zone0: ['cpu-thermal', 61250], thermal_zone1: ['rp1_adc', 90000] }, 'Raspberry Pi 5 Model B Rev 1.0');
    const monitor = acquire(thermal(root));
    await monitor.refresh();
    expect(monitor.current).toEqual({ celsius: 61.25, zone: 'cpu-thermal', throttling: false });
    expect(monitor.maxFps).toBeUndefined();
  });

  it("without a board profile watches the generic profile's zones; configured zones override the profile", async () => {
    // No device tree: the generic profile of this process's architecture applies (generic-x64 watches
    // x86_pkg_temp and acpitz, generic-arm64 cpu-thermal, soc-thermal and the like).
    const soc = process.arch === 'arm64' ? 'soc-thermal' : 'x86_pkg_temp';
    const root = fakeMachine({ thermal_zone0: ['acpitz', 40000], thermal_zone1: [soc, 55000] });
    const all = acquire(thermal(root));
    await all.refresh();
    expect(all.current).toMatchObject({ celsius: 55, zone: soc });
    const one = acquire(thermal(root, { zones: ['acpitz'] }));
    await one.refresh();
    expect(one.current).toMatchObject({ celsius: 40, zone: 'acpitz' });
  });

  it('a machine without thermal zones reports no temperature and never throttles', async () => {
    const monitor = acquire(thermal(fakeMachine({}), { throttleC: 50 }));
    await monitor.refresh();
    expect(monitor.current).toBeUndefined();
    expect(monitor.maxFps).toBeUndefined();
  });

  it('throttles at throttle_c and only stops hysteresis_c below it', async () => {
    const root = fakeMachine({ thermal_zone0: ['cpu-thermal', 70000] });
    const monitor = acquire(thermal(root, { zones: ['cpu-thermal'], throttleC: 80, hysteresisC: 5, throttleMaxFps: 2 }));
    const readings: Array<[number, boolean, number | undefined]> = [];
    for (const temp of [70000, 80000, 77000, 75100, 75000, 79999]) {
      setTemp(root, 'thermal_zone0', temp);
      await monitor.refresh();
      readings.push([monitor.current!.celsius, monitor.current!.throttling, monitor.maxFps]);
    }
    expect(readings).toEqual([
      [70, false, undefined],
      [80, true, 2],
      [77, true, 2],
      [75.1, true, 2],
      [75, false, undefined],
      [79.999, false, undefined],
    ]);
  });

  it('pipelines with the same settings share one monitor', () => {
    const root = fakeMachine({ thermal_zone0: ['cpu-thermal', 50000] });
    expect(acquire(thermal(root))).toBe(acquire(thermal(root)));
    expect(acquire(thermal(root))).not.toBe(acquire(thermal(root, { throttleC: 90 })));
  });
});

describe('a pipeline on a hot SoC', () => {
  it('takes at most throttle_max_fps frames, counts the rest as thermal drops and reports the temperature', async () => {
    const root = fakeMachine({ thermal_zone0: ['cpu-thermal', 85000] });
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-thermal-model-'));
    const predictions: Prediction[] = [];
    const runtime = { ...defaultRuntime(), thermal: thermal(root, { zones: ['cpu-thermal'], throttleC: 80, throttleMaxFps: 4 }) };
    const pipeline = new Pipeline(
      pipelineConfig('hot', {
        model: { file: writeColourModel(dir) },
        source: { kind: 'synthetic', width: 32, height: 32, fps: 40, pattern: 'colours', frames: 40 },
        buffer: { policy: 'queue', size: 64 },
      }),
      { runtime, logger: memoryLogger(), extraSinks: (name) => [callbackSink(name, (p) => predictions.push(p))] },
    );
    await pipeline.start();
    await pipeline.finished;
    const report = pipeline.report();
    await pipeline.stop();
    // 40 frames at 40 fps last about a second: at 4 fps 4 or 5 get through (a slow machine stretches the second).
    expect(predictions.length).toBeGreaterThanOrEqual(2);
    expect(predictions.length).toBeLessThanOrEqual(10);
    expect(predictions[0]!.frameId).toBe(0);
    expect(report.drops.thermal).toBe(40 - predictions.length);
    expect(report.thermal).toEqual({ celsius: 85, zone: 'cpu-thermal', throttling: true });
  });
});

import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { parseConfig } from '../../../src/config/load.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { IioSourceConfig } from '../../../src/config/types.js';
import { EdgepipeError } from '../../../src/runtime/errors.js';
import { createSource } from '../../../src/sources/index.js';
import { IioProducer, openIioDevice } from '../../../src/sources/series/iio.js';
import { attributeCandidates } from '../../../src/sources/series/iio-device.js';
import { SeriesSource } from '../../../src/sources/series/series-source.js';
import { record, removeTempDirs, tempDir, until, VirtualClock } from '../helpers.js';
import { describeSourceContract } from '../source-contract.js';
import { placeholderModel } from '../../config/helpers.js';
import { f32, seriesValues, windowOf } from './series-helpers.js';

afterAll(removeTempDirs);

/** A fake /sys/bus/iio/devices: an ADC, an accelerometer found by name, a device without a name, a trigger. */
function fakeSysfs(): string {
  const root = tempDir('iio');
  const device = (folder: string, files: Record<string, string>): void => {
    mkdirSync(path.join(root, folder));
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(root, folder, file), `${text}\n`);
  };
  device('iio:device0', { name: 'adc128', in_voltage0_raw: '10', in_voltage1_raw: '20', in_voltage_scale: '0.5' });
  device('iio:device1', {
    name: 'lis3dh',
    in_accel_x_raw: '100',
    in_accel_y_raw: '-50',
    in_accel_z_raw: '1000',
    // Shared by the type, overridden per channel for z; an offset for x only.
    in_accel_scale: '0.01',
    in_accel_z_scale: '0.02',
    in_accel_x_offset: '10',
    in_temp_raw: '300',
    in_temp_offset: '-100',
    in_temp_scale: '0.25',
    sampling_frequency: '100',
  });
  device('iio:device2', { in_voltage0_raw: '1' });
  mkdirSync(path.join(root, 'trigger0'));
  return root;
}

const setRaw = (root: string, folder: string, values: Record<string, number>): void => {
  for (const [channel, value] of Object.entries(values)) writeFileSync(path.join(root, folder, `in_${channel}_raw`), `${value}\n`);
};

const config = (root: string, options: Partial<IioSourceConfig> = {}): IioSourceConfig => ({
  kind: 'iio',
  device: 'lis3dh',
  channels: ['accel_x', 'accel_y', 'accel_z'],
  rateHz: 100,
  root,
  buffered: false,
  devRoot: '/dev',
  window: windowOf(4),
  ...options,
});



/** A producer on a virtual clock, wrapped in a SeriesSource and subscribed; `tick` moves one period on. */
function sampled(cfg: IioSourceConfig) {
  const clock = new VirtualClock();
  const warnings: string[] = [];
  const producer = new IioProducer('bench', cfg, { clock, warn: (message) => warnings.push(message) });
  const source = new SeriesSource(producer, cfg.window);
  const state = record(source.frames());
  const period = 1000 / cfg.rateHz;
  const settled = (ticks: number) => until(() => producer.stats.ticks === ticks && clock.sleeping === 1, 30_000, `tick ${ticks}`);
  return {
    producer,
    source,
    state,
    warnings,
    settled,
    /** Advances `periods` sampling periods and waits until the producer read and sleeps again. */
    async advance(periods = 1): Promise<void> {
      const before = producer.stats.ticks;
      clock.advance(period * periods);
      await settled(before + 1);
    },
  };
}

describe('iio source: device and channels', () => {
  it('finds a device by its folder or by its name, and reads scale and offset per channel or shared by type', async () => {
    const root = fakeSysfs();
    const byName = await openIioDevice('t/iio', { root, device: 'lis3dh', channels: ['accel_x', 'accel_y', 'accel_z', 'temp'] });
    expect(byName.folder).toBe('iio:device1');
    expect(byName.deviceName).toBe('lis3dh');
    expect(byName.channels.map(({ name, scale, offset }) => ({ name, scale, offset }))).toEqual([
      { name: 'accel_x', scale: 0.01, offset: 10 },
      { name: 'accel_y', scale: 0.01, offset: 0 },
      { name: 'accel_z', scale: 0.02, offset: 0 },
      { name: 'temp', scale: 0.25, offset: -100 },
    ]);
    const byFolder = await openIioDevice('t/iio', { root, device: 'iio:device0', channels: ['voltage1'] });
    expect(byFolder.channels[0]).toMatchObject({ name: 'voltage1', scale: 0.5, offset: 0 });
    const unnamed = await openIioDevice('t/iio', { root, device: 'iio:device2', channels: ['voltage0'] });
    expect(unnamed.channels[0]).toMatchObject({ scale: 1, offset: 0 });
  });

  it('looks for scale and offset from the channel up to the type, the direction and the device', () => {
    expect(attributeCandidates('accel_x', 'scale')).toEqual(['in_accel_x_scale', 'in_accel_scale', 'in_scale', 'scale']);
    expect(attributeCandidates('voltage0', 'offset')).toEqual(['in_voltage0_offset', 'in_voltage_offset', 'in_offset', 'offset']);
    expect(attributeCandidates('voltage0-voltage1', 'scale')).toEqual([
      'in_voltage0-voltage1_scale',
      'in_voltage-voltage_scale',
      'in_scale',
      'scale',
    ]);
    expect(attributeCandidates('rot_from_north_magnetic', 'scale').slice(0, 4)).toEqual([
      'in_rot_from_north_magnetic_scale',
      'in_rot_from_north_scale',
      'in_rot_from_scale',
      'in_rot_scale',
    ]);
  });

  const failure = async (cfg: IioSourceConfig): Promise<EdgepipeError> => {
    const error = await firstValueFrom(createSource('bench', cfg).frames()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EdgepipeError);
    return error as EdgepipeError;
  };

  it('an unknown device fails with the devices that exist', async () => {
    const root = fakeSysfs();
    const error = await failure(config(root, { device: 'bmi160' }));
    expect(error.code).toBe('ERR_SOURCE_NOT_FOUND');
    expect(error.message).toBe(`source bench/iio: no IIO device "bmi160" in ${root}; found: iio:device0 (adc128), iio:device1 (lis3dh), iio:device2`);
    const empty = tempDir('iio-empty');
    expect((await failure(config(empty))).message).toBe(`source bench/iio: no IIO device "lis3dh" in ${empty}; found no iio:device* folders`);
    const missing = path.join(empty, 'nope');
    expect((await failure(config(missing))).message).toBe(
      `source bench/iio: ${missing}: no such file or directory (no IIO devices here: is the sensor's kernel driver loaded?)`,
    );
  });

  it('an unknown channel fails with the channels the device has', async () => {
    const root = fakeSysfs();
    const error = await failure(config(root, { channels: ['accel_x', 'accel_w'] }));
    expect(error.code).toBe('ERR_SOURCE_NOT_FOUND');
    expect(error.message).toBe('source bench/iio: iio:device1 (lis3dh) has no channel "accel_w" (no in_accel_w_raw); it has: accel_x, accel_y, accel_z, temp');
    const raw = await failure(config(root, { channels: ['in_accel_x_raw'] }));
    expect(raw.message).toContain('(give the part between in_ and _raw: accel_x)');
  });

  it('a scale that is not a number fails naming the file and its content', async () => {
    const root = fakeSysfs();
    writeFileSync(path.join(root, 'iio:device1', 'in_accel_scale'), 'fast\n');
    const error = await failure(config(root, { channels: ['accel_y'] }));
    expect(error.code).toBe('ERR_SOURCE_INVALID');
    expect(error.message).toBe(`source bench/iio: ${path.join(root, 'iio:device1', 'in_accel_scale')} holds "fast", expected a number`);
  });
});

describe('iio source: sampling into windows', () => {
  it('samples (raw + offset) * scale every period; values changed between ticks land in the window in order', async () => {
    const root = fakeSysfs();
    const run = sampled(config(root));
    await run.settled(1);
    const raws = [
      { accel_x: 0, accel_y: 1, accel_z: 2 },
      { accel_x: -10, accel_y: 300, accel_z: -7 },
      { accel_x: 90, accel_y: 0, accel_z: 50 },
    ];
    for (const values of raws) {
      setRaw(root, 'iio:device1', values);
      await run.advance();
    }
    await until(() => run.state.frames.length === 1, 30_000, 'a window');
    expect(run.state.frames[0]!.payload).toMatchObject({ kind: 'series', channels: ['accel_x', 'accel_y', 'accel_z'], steps: 4, filled: 0 });
    expect(seriesValues(run.state.frames[0]!)).toEqual(
      f32([
        ...[(100 + 10) * 0.01, -50 * 0.01, 1000 * 0.02],
        ...[(0 + 10) * 0.01, 1 * 0.01, 2 * 0.02],
        ...[(-10 + 10) * 0.01, 300 * 0.01, -7 * 0.02],
        ...[(90 + 10) * 0.01, 0, 50 * 0.02],
      ]),
    );
    expect(run.producer.stats).toEqual({ ticks: 4, missedTicks: 0, readErrors: 0 });
    expect(run.source.health()).toEqual({
      state: 'running',
      restarts: 0,
      corruptFrames: 0,
      downtimeMs: 0,
      series: { samples: 4, filledValues: 0, incompleteWindows: 0, discardedAtRestart: 0 },
    });
    run.state.subscription.unsubscribe();
    expect(run.source.health().state).toBe('ended');
  });

  it('ticks the timer missed become missing samples, filled from the previous value and counted', async () => {
    const root = fakeSysfs();
    const run = sampled(config(root, { channels: ['temp'], window: windowOf(4, { maxMissing: 0.5 }) }));
    await run.settled(1);
    setRaw(root, 'iio:device1', { temp: 340 });
    await run.advance(3);
    expect(run.producer.stats).toEqual({ ticks: 2, missedTicks: 2, readErrors: 0 });
    await until(() => run.state.frames.length === 1, 30_000, 'a window');
    expect(seriesValues(run.state.frames[0]!)).toEqual(f32([50, 50, 50, 60]));
    expect(run.state.frames[0]!.payload).toMatchObject({ filled: 2 });
    expect(run.source.health().series).toEqual({ samples: 4, filledValues: 2, incompleteWindows: 0, discardedAtRestart: 0 });
    run.state.subscription.unsubscribe();
  });

  it('a channel file deleted mid-run gives NaN values, filled and counted, and reads again once it is back', async () => {
    const root = fakeSysfs();
    const run = sampled(config(root, { window: windowOf(4, { maxMissing: 0.25 }) }));
    await run.settled(1);
    const yFile = path.join(root, 'iio:device1', 'in_accel_y_raw');
    unlinkSync(yFile);
    setRaw(root, 'iio:device1', { accel_x: 0 });
    await run.advance();
    await run.advance();
    writeFileSync(yFile, '200\n');
    await run.advance();
    expect(run.producer.stats.readErrors).toBe(2);
    expect(run.warnings).toEqual(Array(2).fill(`source bench/iio: ${yFile}: no such file or directory; value missing (filled from the previous one)`));
    await until(() => run.state.frames.length === 1, 30_000, 'a window');
    expect(seriesValues(run.state.frames[0]!)).toEqual(
      f32([1.1, -0.5, 20, 0.1, -0.5, 20, 0.1, -0.5, 20, 0.1, 2, 20]),
    );
    expect(run.state.frames[0]!.payload).toMatchObject({ filled: 2 });
    expect(run.state.error).toBeUndefined();
    run.state.subscription.unsubscribe();
  });

  it('a device that vanishes ends the stream with an error naming it', async () => {
    const root = fakeSysfs();
    const run = sampled(config(root));
    await run.settled(1);
    rmSync(path.join(root, 'iio:device1'), { recursive: true });
    // Not settled(): the producer fails instead of sleeping again.
    const clock = (run.producer as unknown as { clock: VirtualClock }).clock;
    clock.advance(10);
    await until(() => run.state.done, 30_000, 'the error');
    const error = run.state.error as EdgepipeError;
    expect(error).toBeInstanceOf(EdgepipeError);
    expect(error.code).toBe('ERR_SOURCE_READ');
    expect(error.message).toBe(`source bench/iio: iio:device1 (lis3dh) disappeared from ${root} (sensor unplugged or driver unbound)`);
    expect(run.source.health().state).toBe('failed');
  });

  it('a YAML iio source (schema defaults filled in) gives windows of the device it names', async () => {
    const root = fakeSysfs();
    const yaml = `version: 1
pipelines:
  - name: vib
    source: { kind: iio, device: lis3dh, channels: [accel_z, temp], rate_hz: 200, root: ${JSON.stringify(root)}, window: { length: 3 } }
    model: { file: ${JSON.stringify(placeholderModel)} }
    postprocess: { kind: classify }
`;
    const source = parseConfig('/etc/edgepipe/vib.yaml', yaml).pipelines[0]!.source;
    expect(source).toEqual({ kind: 'iio', device: 'lis3dh', channels: ['accel_z', 'temp'], rateHz: 200, root, buffered: false, devRoot: '/dev', window: windowOf(3, { maxMissing: 0.1 }) });
    const frame = await firstValueFrom(createSource('vib', source).frames());
    expect(seriesValues(frame)).toEqual([20, 50, 20, 50, 20, 50]);
  });

  it('is created by createSource for kind iio', () => {
    const source = createSource('bench', config(fakeSysfs()));
    expect(source).toBeInstanceOf(SeriesSource);
    expect(source.name).toBe('bench/iio');
    expect(source.kind).toBe('iio');
  });
});

describeSourceContract('iio (fake sysfs, 400 Hz, windows of 2)', {
  running: () => createSource('bench', config(fakeSysfs(), { rateHz: 400, window: windowOf(2) })),
  failing: () => createSource('bench', config(fakeSysfs(), { device: 'nothing' })),
});

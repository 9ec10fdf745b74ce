/**
 * The iio source in buffered mode against a fake sysfs tree and a FIFO standing in for /dev/iio:deviceN: channels
 * enabled in scan_elements, the buffer enabled while reading and disabled after, scans decoded with scale and
 * offset, and scans the kernel dropped (a jump in the timestamp channel) counted as missing samples.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IioSourceConfig } from '../../../src/config/types.js';
import { IioProducer } from '../../../src/sources/series/iio.js';
import { SeriesSource } from '../../../src/sources/series/series-source.js';
import { record, removeTempDirs, tempDir, until } from '../helpers.js';

afterAll(removeTempDirs);

function fakeBufferedDevice(): { root: string; devRoot: string; device: string } {
  const root = tempDir('iio-buffered');
  const device = path.join(root, 'iio:device0');
  mkdirSync(path.join(device, 'scan_elements'), { recursive: true });
  mkdirSync(path.join(device, 'buffer'));
  const files: Record<string, string> = {
    name: 'lis3dh',
    in_accel_scale: '0.01',
    in_accel_x_offset: '10',
    sampling_frequency: '100',
    'buffer/enable': '0',
    'buffer/length': '2',
  };
  ['x', 'y', 'z'].forEach((axis, index) => {
    files[`scan_elements/in_accel_${axis}_en`] = '0';
    files[`scan_elements/in_accel_${axis}_index`] = String(index);
    files[`scan_elements/in_accel_${axis}_type`] = 'le:s12/16>>4';
    files[`in_accel_${axis}_raw`] = '0';
  });
  files['scan_elements/in_timestamp_en'] = '0';
  files['scan_elements/in_timestamp_index'] = '3';
  files['scan_elements/in_timestamp_type'] = 'le:s64/64>>0';
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(device, file), `${text}\n`);
  const devRoot = tempDir('iio-dev');
  execFileSync('mkfifo', [path.join(devRoot, 'iio:device0')]);
  return { root, devRoot, device };
}

/** One 16-byte scan: three 12-bit samples left-justified in 16 bits, then the timestamp in ns. */
function scan(x: number, y: number, z: number, ns: bigint): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeInt16LE(x << 4, 0);
  bytes.writeInt16LE(y << 4, 2);
  bytes.writeInt16LE(z << 4, 4);
  bytes.writeBigInt64LE(ns, 8);
  return bytes;
}

const config = (root: string, devRoot: string, channels = ['accel_x', 'accel_y', 'accel_z']): IioSourceConfig => ({
  kind: 'iio',
  device: 'lis3dh',
  channels,
  rateHz: 200,
  root,
  buffered: true,
  devRoot,
  window: { length: 3, hop: 3, normalize: 'none', layout: 'steps_channels', maxMissing: 0.5 },
});

const read = (device: string, file: string): string => readFileSync(path.join(device, file), 'utf8').trim();

describe('iio source, buffered', () => {
  it('enables the channels and the buffer, decodes scans with scale and offset, and disables the buffer on stop', async () => {
    const { root, devRoot, device } = fakeBufferedDevice();
    // The writer end first (O_RDWR never blocks on a FIFO): without a writer a FIFO reads as end of file.
    const fifo = openSync(path.join(devRoot, 'iio:device0'), constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const producer = new IioProducer('imu', config(root, devRoot), { warn: () => undefined });
      const source = new SeriesSource(producer, config(root, devRoot).window);
      const state = record(source.frames());
      await until(() => read(device, 'buffer/enable') === '1', 30_000, 'the buffer to be enabled');
      expect(['x', 'y', 'z', 'timestamp'].map((c) => read(device, `scan_elements/in_accel_${c}_en`.replace('accel_timestamp', 'timestamp')))).toEqual(['1', '1', '1', '1']);
      expect(read(device, 'sampling_frequency')).toBe('200');
      const period = 5_000_000n; // 200 Hz
      // Three scans in one write, split across two writes to cut a scan in half.
      const bytes = Buffer.concat([scan(100, -50, 981, 0n), scan(101, -51, 982, period), scan(102, -52, 983, 2n * period)]);
      writeSync(fifo, bytes.subarray(0, 20));
      writeSync(fifo, bytes.subarray(20));
      await until(() => state.frames.length === 1, 30_000, 'a window');
      const values = state.frames[0]!.payload.kind === 'series' ? Array.from(state.frames[0]!.payload.values) : [];
      const expected = [(100 + 10) * 0.01, -0.5, 9.81, (101 + 10) * 0.01, -0.51, 9.82, (102 + 10) * 0.01, -0.52, 9.83];
      values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      state.subscription.unsubscribe();
      await until(() => read(device, 'buffer/enable') === '0', 30_000, 'the buffer to be disabled');
    } finally {
      closeSync(fifo);
    }
  });

  it('a jump in the timestamp channel becomes missing samples, filled and counted', async () => {
    const { root, devRoot, device } = fakeBufferedDevice();
    const fifo = openSync(path.join(devRoot, 'iio:device0'), constants.O_RDWR | constants.O_NONBLOCK);
    try {
      const producer = new IioProducer('imu', config(root, devRoot, ['accel_x']), { warn: () => undefined });
      const source = new SeriesSource(producer, { ...config(root, devRoot).window, length: 4, hop: 4 });
      const state = record(source.frames());
      await until(() => read(device, 'buffer/enable') === '1', 30_000, 'the buffer to be enabled');
      const period = 5_000_000n;
      // Scans 0, 1, then 3: scan 2 was dropped by the kernel.
      writeSync(fifo, Buffer.concat([scan(0, 0, 0, 0n), scan(10, 0, 0, period), scan(30, 0, 0, 3n * period)]));
      await until(() => state.frames.length === 1, 30_000, 'a window');
      const values = state.frames[0]!.payload.kind === 'series' ? Array.from(state.frames[0]!.payload.values) : [];
      expect(values.map((v) => Math.round(v * 100) - 10)).toEqual([0, 10, 10, 30]);
      expect(producer.stats.missedTicks).toBe(1);
      expect(source.health().series?.filledValues).toBe(1);
      state.subscription.unsubscribe();
    } finally {
      closeSync(fifo);
    }
  });

  it('names the channels a device can buffer when one is missing', async () => {
    const { root, devRoot } = fakeBufferedDevice();
    const missing: { error?: unknown } = {};
    new IioProducer('imu', config(root, devRoot, ['accel_w']), { warn: () => undefined }).samples().subscribe({ error: (e: unknown) => (missing.error = e) });
    await until(() => missing.error !== undefined, 30_000, 'the error');
    expect((missing.error as Error).message).toContain('cannot buffer channel "accel_w" (no scan_elements/in_accel_w_en); it can buffer: accel_x, accel_y, accel_z, timestamp');
  });
});

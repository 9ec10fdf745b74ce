/**
 * The `iio` source in buffered mode: the driver fills a kernel buffer at its own sampling rate (from a hardware
 * FIFO or a trigger) and edgepipe reads whole scans from the character device `/dev/iio:deviceN`, instead of one
 * sysfs read per channel per tick. No sample is lost to a late timer; with the device's timestamp channel, scans
 * the kernel dropped (a buffer overrun) show up as a jump in time and become missing samples, counted.
 *
 * Setup follows the kernel ABI: with the buffer disabled, enable exactly the wanted channels (plus the timestamp)
 * in scan_elements/, set sampling_frequency and, when given, the trigger; then buffer/enable = 1. On stop the
 * buffer is disabled again so the device is left as found.
 */
import { constants, open as openFd } from 'node:fs';
import { promisify } from 'node:util';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import type { IioSourceConfig } from '../../config/types.js';
import { describeFsError, sourceError } from '../errors.js';
import type { Clock } from '../types.js';
import { attributeCandidates, describeDevice, readAttribute, resolveIioDevice } from './iio-device.js';
import { parseScanType, readScanValue, scanLayout, type ScanElement, type ScanType } from './iio-scan.js';
import type { SampleBatch } from './types.js';

interface BufferChannel extends ScanElement {
  scale: number;
  offset: number;
}

export interface IioBufferCounters {
  scans: number;
  /** Scans the kernel dropped, seen as gaps in the timestamp channel. */
  droppedScans: number;
}

async function readText(file: string): Promise<string> {
  return (await readFile(file, 'utf8')).trim();
}

export class IioBufferReader {
  private readonly source: string;
  private readonly config: IioSourceConfig;
  private readonly clock: Clock;
  readonly counters: IioBufferCounters = { scans: 0, droppedScans: 0 };

  constructor(source: string, config: IioSourceConfig, clock: Clock) {
    this.source = source;
    this.config = config;
    this.clock = clock;
  }

  samples(): Observable<SampleBatch> {
    return new Observable<SampleBatch>((subscriber) => {
      let stop: (() => Promise<void>) | undefined;
      let closed = false;
      this.start(subscriber).then(
        (teardown) => {
          if (closed) void teardown();
          else stop = teardown;
        },
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        closed = true;
        void stop?.();
      };
    });
  }

  private fail(detail: string, cause?: unknown): Error {
    return sourceError(this.source, 'ERR_SOURCE_READ', detail, cause);
  }

  private async write(file: string, text: string): Promise<void> {
    try {
      await writeFile(file, text);
    } catch (error) {
      const hint = (error as NodeJS.ErrnoException).code === 'EACCES' ? ' (the service needs write access to the IIO sysfs files)' : '';
      throw this.fail(`cannot write "${text}" to ${file}: ${describeFsError(error)}${hint}`, error);
    }
  }

  private async start(subscriber: Subscriber<SampleBatch>): Promise<() => Promise<void>> {
    const { config } = this;
    const { folder, deviceName } = await resolveIioDevice(this.source, config.root, config.device);
    const devicePath = path.join(config.root, folder);
    const scanDir = path.join(devicePath, 'scan_elements');
    const label = describeDevice(deviceName === undefined ? { folder } : { folder, deviceName });
    let scanFiles: string[];
    try {
      scanFiles = await readdir(scanDir);
    } catch (error) {
      throw sourceError(this.source, 'ERR_SOURCE_NOT_FOUND', `${label} has no buffer (${scanDir}: ${describeFsError(error)}); use buffered: false`, error);
    }
    const enable = path.join(devicePath, 'buffer', 'enable');
    await this.write(enable, '0');
    const available = scanFiles.map((f) => /^in_(.+)_en$/u.exec(f)?.[1]).filter((n): n is string => n !== undefined);
    for (const name of config.channels) {
      if (!available.includes(name)) {
        throw sourceError(this.source, 'ERR_SOURCE_NOT_FOUND', `${label} cannot buffer channel "${name}" (no scan_elements/in_${name}_en); it can buffer: ${available.join(', ') || 'nothing'}`);
      }
    }
    const timestamped = available.includes('timestamp');
    for (const name of available) {
      await this.write(path.join(scanDir, `in_${name}_en`), config.channels.includes(name) || (timestamped && name === 'timestamp') ? '1' : '0');
    }
    // The layout is what is enabled now, read back: a channel a driver keeps on still takes its place in a scan.
    const enabled: ScanElement[] = [];
    for (const name of available) {
      if ((await readText(path.join(scanDir, `in_${name}_en`))) !== '1') continue;
      const type = parseScanType(await readText(path.join(scanDir, `in_${name}_type`)));
      if ('error' in type) throw this.fail(`${path.join(scanDir, `in_${name}_type`)}: ${type.error}`);
      const index = Number(await readText(path.join(scanDir, `in_${name}_index`)));
      enabled.push({ name, index, type });
    }
    enabled.sort((a, b) => a.index - b.index);
    const layout = scanLayout(enabled);
    const files = new Set(await readdir(devicePath));
    const channels: Array<BufferChannel & { at: number }> = [];
    for (const name of config.channels) {
      const element = enabled.findIndex((e) => e.name === name);
      const scale = await readAttribute(this.source, devicePath, files, attributeCandidates(name, 'scale'));
      const offset = await readAttribute(this.source, devicePath, files, attributeCandidates(name, 'offset'));
      channels.push({ ...enabled[element]!, at: layout.offsets[element]!, scale: scale ?? 1, offset: offset ?? 0 });
    }
    const stampAt = enabled.findIndex((e) => e.name === 'timestamp');
    const stamp = stampAt >= 0 ? { at: layout.offsets[stampAt]!, type: enabled[stampAt]!.type } : undefined;

    if (files.has('sampling_frequency')) await this.write(path.join(devicePath, 'sampling_frequency'), String(config.rateHz));
    if (config.trigger !== undefined) await this.write(path.join(devicePath, 'trigger', 'current_trigger'), config.trigger);
    // About a second of scans: room for a blocked event loop without the kernel dropping any.
    if (files.has('buffer')) await this.write(path.join(devicePath, 'buffer', 'length'), String(Math.max(16, Math.ceil(config.rateHz))));
    await this.write(enable, '1');

    const node = path.join(config.devRoot, folder);
    let socket: net.Socket;
    try {
      // Non-blocking and polled by the event loop: a blocking read would hold a libuv pool thread forever.
      // A plain fd, not a FileHandle: the socket owns and closes it (a FileHandle would close it again when collected).
      const fd = await promisify(openFd)(node, constants.O_RDONLY | constants.O_NONBLOCK);
      socket = new net.Socket({ fd, readable: true, writable: false });
    } catch (error) {
      await writeFile(enable, '0').catch(() => undefined);
      throw sourceError(this.source, 'ERR_SOURCE_NOT_FOUND', `cannot open ${node}: ${describeFsError(error)}`, error);
    }
    this.pump(socket, subscriber, { channels, stamp, scanBytes: layout.bytes });
    return async () => {
      socket.destroy();
      await writeFile(enable, '0').catch(() => undefined);
    };
  }

  private pump(
    socket: net.Socket,
    subscriber: Subscriber<SampleBatch>,
    scan: { channels: Array<BufferChannel & { at: number }>; stamp: { at: number; type: ScanType } | undefined; scanBytes: number },
  ): void {
    const C = scan.channels.length;
    const periodNs = 1e9 / this.config.rateHz;
    let pending: Buffer = Buffer.alloc(0);
    let lastStampNs: number | undefined;
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const scans = Math.floor(pending.length / scan.scanBytes);
      if (scans === 0) return;
      const rows: number[][] = [];
      for (let s = 0; s < scans; s += 1) {
        const base = s * scan.scanBytes;
        if (scan.stamp) {
          const ns = readScanValue(pending, base + scan.stamp.at, scan.stamp.type);
          // A jump of more than half a period beyond the next due scan: the kernel dropped scans in between.
          const missing = lastStampNs === undefined ? 0 : Math.max(0, Math.round((ns - lastStampNs) / periodNs) - 1);
          for (let m = 0; m < Math.min(missing, 1_000_000); m += 1) rows.push(new Array<number>(C).fill(Number.NaN));
          this.counters.droppedScans += missing;
          lastStampNs = ns;
        }
        rows.push(scan.channels.map((ch) => (readScanValue(pending, base + ch.at, ch.type) + ch.offset) * ch.scale));
      }
      pending = pending.subarray(scans * scan.scanBytes);
      this.counters.scans += scans;
      subscriber.next({ count: rows.length, values: Float32Array.from(rows.flat()), monoMs: this.clock.now(), wallMs: this.clock.wallNow() });
    });
    socket.on('error', (error) => subscriber.error(this.fail(`reading ${this.config.devRoot}: ${describeFsError(error)}`, error)));
    socket.on('end', () => subscriber.error(this.fail('the IIO buffer closed (driver unbound or sensor removed)')));
  }
}

/**
 * The `iio` sensor source: a Linux Industrial I/O device read through sysfs at `rate_hz`.
 *
 * Each channel's value is `(in_<ch>_raw + offset) * scale`, the conversion the kernel's sysfs-bus-iio ABI
 * documents. Scale and offset are per channel (`in_accel_x_scale`) or shared by the channel type
 * (`in_accel_scale`, `in_voltage_scale` for `in_voltage0_raw`, `in_voltage-voltage_scale` for a differential
 * pair), by the direction (`in_scale`) or by the device (`scale`); absent means 1 and 0. They are read once, at
 * open: drivers change them only when someone writes them.
 *
 * Every tick reads all channels concurrently with small asynchronous reads (open, read, close: a held fd would
 * keep reading a file that a driver unbind removed). A channel that cannot be read gives NaN for that value,
 * counted; a tick the timer missed gives a NaN sample, counted; the windowing fills both. A device whose folder
 * disappears ends the stream with an error, and the engine restarts the pipeline with backoff.
 */
import fs from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Observable, type Subscriber } from 'rxjs';
import type { IioSourceConfig } from '../../config/types.js';
import { RateLimitedWarn } from '../child-log.js';
import { systemClock } from '../clock.js';
import { describeFsError, sourceError } from '../errors.js';
import { defaultWarn } from '../images-source.js';
import { FramePacer } from '../pacer.js';
import type { Clock, SourceContext, SourceHealth, SourceState } from '../types.js';
import type { SampleBatch, SampleProducer } from './types.js';
import { sensorChannels } from '../../config/sensor-channels.js';
import { IioBufferReader } from './iio-buffer.js';
import { attributeCandidates, describeDevice, readAttribute, resolveIioDevice } from './iio-device.js';

/** Counters over all subscriptions of one producer. */
export interface IioSourceStats {
  /** Sampling ticks taken (each one sample of every channel). */
  ticks: number;
  /** Ticks the timer missed (the event loop or the reads were late): samples of NaN. */
  missedTicks: number;
  /** Channel reads that failed or held no number: NaN values. */
  readErrors: number;
}

export interface IioChannel {
  name: string;
  rawPath: string;
  scale: number;
  offset: number;
}

export interface IioDevice {
  /** `iio:device0`. */
  folder: string;
  /** Its `name` file (`lis3dh`), if readable. */
  deviceName?: string;
  path: string;
  channels: IioChannel[];
}

export class IioProducer implements SampleProducer {
  readonly kind = 'iio';
  readonly name: string;
  readonly channels: readonly string[];
  private readonly config: IioSourceConfig;
  private readonly clock: Clock;
  private readonly log: RateLimitedWarn;
  private readonly counters: IioSourceStats = { ticks: 0, missedTicks: 0, readErrors: 0 };
  private state: SourceState = 'ended';
  private buffer: IioBufferReader | undefined;

  constructor(pipelineName: string, config: IioSourceConfig, context: SourceContext = {}) {
    this.name = `${pipelineName}/iio`;
    this.config = config;
    this.channels = sensorChannels(config);
    this.clock = context.clock ?? systemClock;
    this.log = new RateLimitedWarn(context.warn ?? defaultWarn);
  }

  health(): SourceHealth {
    return { state: this.state, restarts: 0, corruptFrames: 0, downtimeMs: 0 };
  }

  get stats(): Readonly<IioSourceStats> {
    const dropped = this.buffer?.counters.droppedScans ?? 0;
    return { ...this.counters, missedTicks: this.counters.missedTicks + dropped };
  }

  samples(): Observable<SampleBatch> {
    if (this.config.buffered) return this.bufferedSamples();
    return new Observable<SampleBatch>((subscriber) => {
      const abort = new AbortController();
      this.state = 'starting';
      this.run(subscriber, abort.signal).then(
        () => undefined,
        (error: unknown) => {
          if (abort.signal.aborted) return;
          this.state = 'failed';
          subscriber.error(error);
        },
      );
      return () => {
        if (abort.signal.aborted) return;
        abort.abort();
        if (this.state !== 'failed') this.state = 'ended';
      };
    });
  }

  private bufferedSamples(): Observable<SampleBatch> {
    const reader = new IioBufferReader(this.name, this.config, this.clock);
    this.buffer = reader;
    return new Observable<SampleBatch>((subscriber) => {
      this.state = 'starting';
      const subscription = reader.samples().subscribe({
        next: (batch) => {
          this.state = 'running';
          subscriber.next(batch);
        },
        error: (error: unknown) => {
          this.state = 'failed';
          subscriber.error(error);
        },
      });
      return () => {
        subscription.unsubscribe();
        if (this.state !== 'failed') this.state = 'ended';
      };
    });
  }

  private async run(subscriber: Subscriber<SampleBatch>, signal: AbortSignal): Promise<void> {
    const device = await openIioDevice(this.name, this.config);
    if (signal.aborted) return;
    const C = device.channels.length;
    const buffers = device.channels.map(() => Buffer.alloc(64));
    const pacer = new FramePacer(this.config.rateHz, this.clock);
    while (!signal.aborted) {
      const skipped = await pacer.wait(signal);
      if (signal.aborted) return;
      const values = new Float32Array((skipped + 1) * C).fill(Number.NaN);
      const read = await Promise.all(device.channels.map((channel, c) => readNumber(channel.rawPath, buffers[c]!)));
      if (signal.aborted) return;
      const failed: Array<{ channel: IioChannel; error: unknown }> = [];
      read.forEach((result, c) => {
        const channel = device.channels[c]!;
        if (typeof result === 'number') values[skipped * C + c] = (result + channel.offset) * channel.scale;
        else {
          this.counters.readErrors += 1;
          failed.push({ channel, error: result.error });
        }
      });
      if (failed.length > 0) {
        if (!(await exists(device.path))) {
          const detail = `${describeDevice(device)} disappeared from ${this.config.root} (sensor unplugged or driver unbound)`;
          throw sourceError(this.name, 'ERR_SOURCE_READ', detail, failed[0]!.error);
        }
        for (const { channel, error } of failed) {
          this.log.send(`source ${this.name}: ${channel.rawPath}: ${describeFsError(error)}; value missing (filled from the previous one)`);
        }
      }
      if (signal.aborted) return;
      this.counters.ticks += 1;
      this.counters.missedTicks += skipped;
      this.state = 'running';
      subscriber.next({ count: skipped + 1, values, monoMs: this.clock.now(), wallMs: this.clock.wallNow() });
    }
  }
}

/** Finds the device and reads every channel's scale and offset; errors name what exists instead. */
export async function openIioDevice(source: string, config: Pick<IioSourceConfig, 'device' | 'root' | 'channels'>): Promise<IioDevice> {
  const { folder, deviceName } = await resolveIioDevice(source, config.root, config.device);
  const devicePath = path.join(config.root, folder);
  const label = describeDevice({ folder, deviceName });
  let entries: string[];
  try {
    entries = await readdir(devicePath);
  } catch (error) {
    throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${devicePath}: ${describeFsError(error)}`, error);
  }
  const files = new Set(entries);
  const available = entries.map((entry) => /^in_(.+)_raw$/u.exec(entry)?.[1]).filter((name): name is string => name !== undefined).sort();
  const channels: IioChannel[] = [];
  for (const name of config.channels) {
    if (!files.has(`in_${name}_raw`)) {
      const hint = /^in_|_raw$/u.test(name) ? ` (give the part between in_ and _raw: ${name.replace(/^in_/u, '').replace(/_raw$/u, '')})` : '';
      const has = available.length > 0 ? `it has: ${available.join(', ')}` : 'it has no in_*_raw channels';
      throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${label} has no channel "${name}" (no in_${name}_raw)${hint}; ${has}`);
    }
    const scale = await readAttribute(source, devicePath, files, attributeCandidates(name, 'scale'));
    const offset = await readAttribute(source, devicePath, files, attributeCandidates(name, 'offset'));
    channels.push({ name, rawPath: path.join(devicePath, `in_${name}_raw`), scale: scale ?? 1, offset: offset ?? 0 });
  }
  return { folder, ...(deviceName === undefined ? {} : { deviceName }), path: devicePath, channels };
}

/**
 * A sysfs attribute as a number (a few bytes: one small read), or why not. Callbacks rather than a FileHandle:
 * measured 135 against 175 us of CPU per 3-channel tick on the dev host.
 */
function readNumber(filePath: string, buffer: Buffer): Promise<number | { error: unknown }> {
  return new Promise((resolve) => {
    fs.open(filePath, 'r', (openError, fd) => {
      if (openError) {
        resolve({ error: openError });
        return;
      }
      fs.read(fd, buffer, 0, buffer.length, 0, (readError, bytesRead) => {
        fs.close(fd, () => {
          if (readError) {
            resolve({ error: readError });
            return;
          }
          const text = buffer.toString('latin1', 0, bytesRead).trim();
          const value = Number(text);
          resolve(text !== '' && Number.isFinite(value) ? value : { error: new Error(`${filePath} holds ${JSON.stringify(text)}`) });
        });
      });
    });
  });
}

const exists = (filePath: string): Promise<boolean> =>
  stat(filePath).then(
    () => true,
    () => false,
  );

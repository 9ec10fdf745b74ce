/**
 * Industrial I/O sensors (ADCs, IMUs, environment sensors) under /sys/bus/iio/devices: each device's name and
 * its channels, i.e. the in_<channel>_raw files (and the already-scaled in_<channel>_input ones), with one
 * reading so the engineer sees the sensor answer.
 */
import { listDir, readText, readTextOrError, underRoot } from './root.js';

export const IIO_DIR = '/sys/bus/iio/devices';

export interface IioChannel {
  /** voltage0, temp, accel_x, ... */
  channel: string;
  kind: 'raw' | 'input';
  /** The machine path of the value file. */
  file: string;
  value?: number;
  /** Multiply raw by this for the unit (in_<channel>_scale, else the shared in_<type>_scale). */
  scale?: number;
  error?: string;
}

export interface IioDevice {
  device: string;
  /** The driver's name (ads1015, bme280, mpu6050...). */
  name?: string;
  channels: IioChannel[];
}

function parseNumber(text: string | undefined): number | undefined {
  const value = text === undefined ? NaN : Number(text.trim());
  return text !== undefined && text.trim() !== '' && Number.isFinite(value) ? value : undefined;
}

async function readChannel(dir: string, machineDir: string, file: string, files: readonly string[]): Promise<IioChannel> {
  const [, channel, kind] = /^in_(.+)_(raw|input)$/.exec(file)!;
  const out: IioChannel = { channel: channel!, kind: kind as 'raw' | 'input', file: `${machineDir}/${file}` };
  const read = await readTextOrError(`${dir}/${file}`);
  if ('error' in read) out.error = read.error;
  else {
    const value = parseNumber(read.text);
    if (value === undefined) out.error = `expected a number but read ${JSON.stringify(read.text.trim())}`;
    else out.value = value;
  }
  if (kind === 'raw') {
    // voltage0 -> voltage, accel_x -> accel: the shared scale of the channel type.
    const type = /^[a-z]+/.exec(channel!)?.[0];
    const scaleFile = [`in_${channel}_scale`, `in_${type}_scale`].find((f) => files.includes(f));
    const scale = scaleFile ? parseNumber(await readText(`${dir}/${scaleFile}`)) : undefined;
    if (scale !== undefined) out.scale = scale;
  }
  return out;
}

/** Every iio:deviceN under root with its channels; [] when there is none. */
export async function listIioDevices(root = '/'): Promise<IioDevice[]> {
  const devices = (await listDir(underRoot(root, IIO_DIR))).filter((n) => /^iio:device\d+$/.test(n));
  const out: IioDevice[] = [];
  for (const device of devices) {
    const machineDir = `${IIO_DIR}/${device}`;
    const dir = underRoot(root, machineDir);
    const files = await listDir(dir);
    const name = (await readText(`${dir}/name`))?.trim();
    const channelFiles = files.filter((f) => /^in_.+_(raw|input)$/.test(f));
    const channels = await Promise.all(channelFiles.map((f) => readChannel(dir, machineDir, f, files)));
    out.push({ device, ...(name ? { name } : {}), channels });
  }
  return out;
}

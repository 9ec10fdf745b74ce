/**
 * Finding an IIO device under sysfs and reading its channels' attributes: shared by the polled (iio.ts) and the
 * buffered (iio-buffer.ts) readers, here so that neither imports the other.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError, errnoCode, sourceError } from '../errors.js';

const deviceFolder = /^iio:device(\d+)$/u;

/** `device` as a folder (`iio:device0`) or as the content of a device's `name` file (the first, by index). */
export async function resolveIioDevice(source: string, root: string, device: string): Promise<{ folder: string; deviceName?: string }> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    const why = errnoCode(error) === 'ENOENT' ? ' (no IIO devices here: is the sensor\'s kernel driver loaded?)' : '';
    throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `${root}: ${describeFsError(error)}${why}`, error);
  }
  const folders = entries
    .filter((entry) => deviceFolder.test(entry))
    .sort((a, b) => Number(deviceFolder.exec(a)![1]) - Number(deviceFolder.exec(b)![1]));
  const found = await Promise.all(
    folders.map(async (folder) => {
      const text = await readFile(path.join(root, folder, 'name'), 'utf8').catch(() => undefined);
      const deviceName = text?.trim();
      return deviceName ? { folder, deviceName } : { folder };
    }),
  );
  const match = found.find((entry) => entry.folder === device) ?? found.find((entry) => entry.deviceName === device);
  if (match) return match;
  const list = found.length > 0 ? `found: ${found.map(describeDevice).join(', ')}` : 'found no iio:device* folders';
  throw sourceError(source, 'ERR_SOURCE_NOT_FOUND', `no IIO device "${device}" in ${root}; ${list}`);
}

/**
 * Where a channel's `scale` or `offset` may be, most specific first: `accel_x` -> in_accel_x_scale,
 * in_accel_scale; `voltage0` -> in_voltage0_scale, in_voltage_scale; then in_scale and scale.
 */
export function attributeCandidates(channel: string, attribute: 'scale' | 'offset'): string[] {
  const parts = channel.split('_');
  const names: string[] = [];
  for (let n = parts.length; n >= 1; n -= 1) names.push(parts.slice(0, n).join('_'));
  // The type without its index: voltage0 -> voltage, voltage0-voltage1 -> voltage-voltage (differential).
  const type = parts[0]!.replace(/\d+/gu, '');
  if (type !== parts[0] && type !== '') names.push(type);
  return [...names.map((name) => `in_${name}_${attribute}`), `in_${attribute}`, attribute];
}

export async function readAttribute(source: string, devicePath: string, files: ReadonlySet<string>, candidates: readonly string[]): Promise<number | undefined> {
  const file = candidates.find((candidate) => files.has(candidate));
  if (file === undefined) return undefined;
  const filePath = path.join(devicePath, file);
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    throw sourceError(source, 'ERR_SOURCE_READ', `${filePath}: ${describeFsError(error)}`, error);
  }
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw sourceError(source, 'ERR_SOURCE_INVALID', `${filePath} holds ${JSON.stringify(text.trim().slice(0, 40))}, expected a number`);
  }
  return value;
}

export function describeDevice(device: { folder: string; deviceName?: string }): string {
  return device.deviceName === undefined ? device.folder : `${device.folder} (${device.deviceName})`;
}

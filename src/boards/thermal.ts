/**
 * SoC temperature from the kernel's thermal zones (/sys/class/thermal/thermal_zoneN/{type,temp}, temp in
 * millidegrees Celsius). Reads are async: the pipeline stats poll this while frames flow.
 */
import { listDir, readTextOrError, underRoot } from './root.js';

export const THERMAL_DIR = '/sys/class/thermal';

export type ThermalZone =
  | { zone: string; type: string; celsius: number }
  /** The zone exists but its type or temperature could not be read (some drivers answer EINVAL or ENODATA). */
  | { zone: string; type?: string; error: string };

export interface SocTemperature {
  celsius: number;
  /** The zone that gave the reading (the hottest of the profile's zones). */
  zone: string;
  type: string;
  throttleC: number;
  /** At or above the profile's throttle hint: clocks are (about to be) reduced, latency will grow. */
  nearThrottle: boolean;
}

async function readZone(root: string, zone: string): Promise<ThermalZone> {
  const dir = underRoot(root, `${THERMAL_DIR}/${zone}`);
  const type = await readTextOrError(`${dir}/type`);
  if ('error' in type) return { zone, error: `type: ${type.error}` };
  const name = type.text.trim();
  const temp = await readTextOrError(`${dir}/temp`);
  if ('error' in temp) return { zone, type: name, error: `temp: ${temp.error}` };
  const raw = temp.text.trim();
  if (!/^-?\d+$/.test(raw)) return { zone, type: name, error: `temp: expected an integer in millidegrees but read ${JSON.stringify(raw)}` };
  return { zone, type: name, celsius: Number(raw) / 1000 };
}

/** Every thermal_zoneN under root, in zone order; [] when the machine has none (VMs, containers). */
export async function readThermalZones(root = '/'): Promise<ThermalZone[]> {
  const zones = (await listDir(underRoot(root, THERMAL_DIR))).filter((name) => /^thermal_zone\d+$/.test(name));
  return Promise.all(zones.map((zone) => readZone(root, zone)));
}

/**
 * The SoC temperature as the profile defines it: the hottest readable zone whose type is among
 * profile.thermal.zones, or undefined when none is readable.
 */
export function socTemperature(
  zones: readonly ThermalZone[],
  profile: { thermal: { zones: readonly string[]; throttleC: number } },
): SocTemperature | undefined {
  let hottest: { zone: string; type: string; celsius: number } | undefined;
  for (const z of zones) {
    if (!('celsius' in z) || !profile.thermal.zones.includes(z.type)) continue;
    if (!hottest || z.celsius > hottest.celsius) hottest = z;
  }
  if (!hottest) return undefined;
  const throttleC = profile.thermal.throttleC;
  return { celsius: hottest.celsius, zone: hottest.zone, type: hottest.type, throttleC, nearThrottle: hottest.celsius >= throttleC };
}

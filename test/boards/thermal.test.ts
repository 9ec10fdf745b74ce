import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readThermalZones, socTemperature } from '../../src/boards/thermal.js';
import { fakeRoot } from './fake-root.js';

const zone = (n: number): string => `/sys/class/thermal/thermal_zone${n}`;

describe('thermal zones', () => {
  it('reads every zone in number order, millidegrees to °C, and reports unreadable ones with their error', async () => {
    const root = fakeRoot({
      [`${zone(0)}/type`]: 'cpu-thermal\n',
      [`${zone(0)}/temp`]: '52150\n',
      [`${zone(2)}/type`]: 'gpu-thermal\n',
      [`${zone(2)}/temp`]: 'n/a\n',
      [`${zone(10)}/type`]: 'soc-thermal\n',
      [`${zone(10)}/temp`]: '-1500\n',
      [`${zone(3)}/type`]: 'tj-thermal\n',
      '/sys/class/thermal/cooling_device0/type': 'Processor\n',
    });
    // A temp the driver refuses to read (here a folder: EISDIR, like EINVAL from a disabled zone).
    mkdirSync(path.join(root, zone(3), 'temp'));
    mkdirSync(path.join(root, zone(4)));
    const zones = await readThermalZones(root);
    expect(zones).toEqual([
      { zone: 'thermal_zone0', type: 'cpu-thermal', celsius: 52.15 },
      { zone: 'thermal_zone2', type: 'gpu-thermal', error: 'temp: expected an integer in millidegrees but read "n/a"' },
      { zone: 'thermal_zone3', type: 'tj-thermal', error: expect.stringMatching(/^temp: EISDIR/) as unknown as string },
      { zone: 'thermal_zone4', error: expect.stringMatching(/^type: ENOENT/) as unknown as string },
      { zone: 'thermal_zone10', type: 'soc-thermal', celsius: -1.5 },
    ]);
  });

  it('returns no zones when the machine has none', async () => {
    expect(await readThermalZones(fakeRoot())).toEqual([]);
  });

  it("takes the hottest readable zone among the profile's, and says when it reaches the throttle hint", () => {
    const zones = [
      { zone: 'thermal_zone0', type: 'cpu-thermal', celsius: 61 },
      { zone: 'thermal_zone1', type: 'gpu-thermal', celsius: 90 },
      { zone: 'thermal_zone2', type: 'soc-thermal', celsius: 64.5 },
      { zone: 'thermal_zone3', type: 'soc-thermal', error: 'temp: EINVAL' },
    ];
    const profile = { thermal: { zones: ['cpu-thermal', 'soc-thermal'], throttleC: 85 } };
    expect(socTemperature(zones, profile)).toEqual({ celsius: 64.5, zone: 'thermal_zone2', type: 'soc-thermal', throttleC: 85, nearThrottle: false });
    expect(socTemperature(zones, { thermal: { zones: ['gpu-thermal'], throttleC: 85 } })).toMatchObject({ celsius: 90, nearThrottle: true });
    expect(socTemperature(zones, { thermal: { zones: ['x86_pkg_temp'], throttleC: 95 } })).toBeUndefined();
  });
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { fakeRoot, PI5_FILES } from '../boards/fake-root.js';

/** A Raspberry Pi 5 with an ADS1015 ADC, a CSI camera node, a UART and two thermal zones, one unreadable. */
function pi5Root(): string {
  const iio = '/sys/bus/iio/devices/iio:device0';
  const root = fakeRoot({
    ...PI5_FILES,
    [`${iio}/name`]: 'ads1015\n',
    [`${iio}/in_voltage0_raw`]: '1024\n',
    [`${iio}/in_voltage1_raw`]: '7\n',
    [`${iio}/in_voltage_scale`]: '2\n',
    '/sys/class/thermal/thermal_zone0/type': 'cpu-thermal\n',
    '/sys/class/thermal/thermal_zone0/temp': '61300\n',
    '/sys/class/thermal/thermal_zone1/type': 'rp1_adc\n',
    '/dev/video0': '',
    '/sys/class/video4linux/video0/name': 'rp1-cfe\n',
    '/dev/ttyAMA10': '',
  });
  mkdirSync(path.join(root, 'sys/class/thermal/thermal_zone1/temp'));
  return root;
}

interface ProbeJson {
  root: string;
  board: { id?: string; fallback: boolean; evidence: unknown[]; model?: string; delegates?: string[]; camera?: { command?: string[]; command_output?: string } };
  cpu: { count?: number; model?: string; hardware?: string; error?: string };
  tflite: { found: boolean; path?: string; version?: string; source?: string; error?: string };
  delegates: Array<{ name: string; library: { found?: boolean; path?: string; reason?: string; builtin?: boolean; available?: boolean }; profile_rank?: number }>;
  cameras: Array<{ device: string; name?: string; formats_unavailable?: string }>;
  iio: unknown[];
  serial: string[];
  thermal: { zones: unknown[]; soc?: unknown };
}

describe('edgepipe probe', () => {
  it('reports a fake Raspberry Pi 5 tree as JSON: board with evidence, CPU, IIO channels, camera, serial, thermal', async () => {
    const root = pi5Root();
    const result = await runCli(['probe', '--json', '--root', root]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ProbeJson;
    expect(report.root).toBe(root);
    expect(report.board).toMatchObject({
      id: 'raspberry-pi-5',
      fallback: false,
      model: 'Raspberry Pi 5 Model B Rev 1.0',
      evidence: [{ kind: 'model', path: '/proc/device-tree/model', expected: 'Raspberry Pi 5', found: 'Raspberry Pi 5 Model B Rev 1.0' }],
      delegates: ['edgetpu', 'xnnpack', 'armnn'],
      camera: { input: 'pi-camera', command_output: 'mjpeg' },
    });
    expect(report.cpu).toEqual({ count: 4, model: 'Cortex-A76', hardware: 'Raspberry Pi 5 Model B Rev 1.0' });
    expect(report.iio).toEqual([
      {
        device: 'iio:device0',
        name: 'ads1015',
        channels: [
          { channel: 'voltage0', kind: 'raw', file: '/sys/bus/iio/devices/iio:device0/in_voltage0_raw', value: 1024, scale: 2 },
          { channel: 'voltage1', kind: 'raw', file: '/sys/bus/iio/devices/iio:device0/in_voltage1_raw', value: 7, scale: 2 },
        ],
      },
    ]);
    expect(report.cameras).toEqual([
      { device: '/dev/video0', name: 'rp1-cfe', formats_unavailable: `${path.join(root, 'dev/video0')} is not a character device` },
    ]);
    expect(report.serial).toEqual(['/dev/ttyAMA10']);
    expect(report.thermal.zones).toEqual([
      { zone: 'thermal_zone0', type: 'cpu-thermal', celsius: 61.3 },
      { zone: 'thermal_zone1', type: 'rp1_adc', error: expect.stringMatching(/^temp: EISDIR/) as unknown as string },
    ]);
    expect(report.thermal.soc).toEqual({ celsius: 61.3, zone: 'thermal_zone0', type: 'cpu-thermal', throttle_c: 80, near_throttle: false });
    expect(report.delegates.map((d) => [d.name, d.profile_rank])).toEqual([
      ['armnn', 2], ['edgetpu', 0], ['gpu', undefined], ['qnn', undefined], ['vx', undefined], ['xnnpack', 1],
    ]);
  });

  it('reports absent parts as absent for an empty tree', async () => {
    const result = await runCli(['probe', '--json', '--root', fakeRoot()]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ProbeJson;
    expect(report.board.fallback).toBe(true);
    expect(report.cpu.error).toMatch(/^ENOENT/);
    expect([report.cameras, report.iio, report.serial, report.thermal]).toEqual([[], [], [], { zones: [] }]);
  });

  it('says the same about the profile camera as the Cameras list: absent in both, then present in both', async () => {
    // The generic profile (this fake tree has no device tree) names /dev/video0 as its default camera.
    const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
    const empty = fakeRoot();
    const absent = await runCli(['probe', '--root', empty]);
    expect(absent.code, absent.stderr).toBe(0);
    expect(absent.stdout, arch).toContain("camera: /dev/video0 (the profile's default; not on this machine: set source.input to one listed under Cameras)");
    expect(absent.stdout).toContain('Cameras: none (no /dev/video*)');
    const json = JSON.parse((await runCli(['probe', '--json', '--root', empty])).stdout) as ProbeJson & { board: { camera_present?: boolean } };
    expect([json.board.camera_present, json.cameras]).toEqual([false, []]);

    const withCamera = fakeRoot({ '/dev/video0': '', '/sys/class/video4linux/video0/name': 'UVC Camera\n' });
    const present = await runCli(['probe', '--root', withCamera]);
    expect(present.code, present.stderr).toBe(0);
    expect(present.stdout).toContain("camera: /dev/video0 (the profile's default; present, see Cameras)");
    expect(present.stdout).toMatch(/^Cameras:\n  \/dev\/video0 \(UVC Camera\): formats unknown/m);
  });

  it('names the command once in a usage error', async () => {
    const result = await runCli(['probe', 'extra']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('edgepipe probe: unexpected argument "extra" (see edgepipe probe --help)');
  });

  it('prints a readable report naming the board and the evidence', async () => {
    const result = await runCli(['probe', '--root', pi5Root()]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Board: Raspberry Pi 5 (profile raspberry-pi-5)');
    expect(result.stdout).toContain('evidence: /proc/device-tree/model "Raspberry Pi 5 Model B Rev 1.0" contains "Raspberry Pi 5"');
    expect(result.stdout).toContain('delegates: edgetpu > xnnpack > armnn > cpu');
    expect(result.stdout).toContain('CPU: 4 cores, Cortex-A76, Raspberry Pi 5 Model B Rev 1.0');
    expect(result.stdout).toContain('iio:device0 ads1015: voltage0 raw 1024 x 2, voltage1 raw 7 x 2');
    expect(result.stdout).toContain('Thermal: SoC 61.3 °C (cpu-thermal), throttling from about 80 °C');
    expect(result.stdout).toContain('Serial ports: /dev/ttyAMA10');
  });

  it('probes this machine: CPU cores, the TFLite library with its version, XNNPACK available', async () => {
    const result = await runCli(['probe', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ProbeJson;
    expect(report.root).toBe('/');
    expect(report.cpu.count).toBeGreaterThan(0);
    expect(report.tflite).toMatchObject({ found: true, version: expect.stringMatching(/^2\.\d+/) as unknown as string });
    expect(report.tflite.path).toMatch(/libtensorflowlite_c\.so$/);
    expect(report.delegates.find((d) => d.name === 'xnnpack')!.library).toEqual({ builtin: true, available: true });
    expect(report.board.id).toBeDefined();
  });

  it('reports a TFLite library that cannot be loaded instead of failing', async () => {
    const result = await runCli(['probe', '--json', '--root', fakeRoot(), '--library', '/nonexistent/libtensorflowlite_c.so']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ProbeJson;
    expect(report.tflite).toEqual({
      found: false,
      path: '/nonexistent/libtensorflowlite_c.so',
      error: 'TensorFlow Lite library not found: /nonexistent/libtensorflowlite_c.so (from runtime.library)',
    });
    expect(report.delegates.find((d) => d.name === 'xnnpack')!.library).toEqual({ builtin: true, available: false });
  });

  it('refuses a --root that is not a folder, naming the option and the value', async () => {
    const result = await runCli(['probe', '--root', '/nonexistent-root']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('edgepipe probe: Expected an existing directory for --root but received "/nonexistent-root"');
  });

  it('uses a board added in --device-dir, and refuses an invalid one with file:line:col', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-devices-'));
    const profile = [
      'version: 1', 'id: my-pi5-hat', 'name: Pi 5 with a HAT', 'match:', '  - { model: Raspberry Pi 5, file: /proc/device-tree/hat/product }',
      'camera: { input: /dev/video0 }', 'delegates: [xnnpack]', 'thermal: { zones: [cpu-thermal], throttle_c: 75 }', '',
    ].join('\n');
    writeFileSync(path.join(dir, 'hat.yaml'), profile);
    const root = pi5Root();
    mkdirSync(path.join(root, 'proc/device-tree/hat'));
    writeFileSync(path.join(root, 'proc/device-tree/hat/product'), 'Sense HAT\0');
    const result = await runCli(['probe', '--json', '--root', root, '--device-dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as ProbeJson).board).toMatchObject({ id: 'my-pi5-hat', evidence: [{ kind: 'model' }, { kind: 'file' }] });
    writeFileSync(path.join(dir, 'hat.yaml'), profile.replace('[xnnpack]', '[xnnpak]'));
    const bad = await runCli(['probe', '--device-dir', dir]);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr.trim()).toBe(
      `edgepipe probe: ${path.join(dir, 'hat.yaml')}:7:13: delegates.0: expected a delegate from delegates/ (armnn, edgetpu, gpu, qnn, vx, xnnpack) but received "xnnpak"`,
    );
  });
});

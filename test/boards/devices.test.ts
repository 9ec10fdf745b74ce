import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCameras, parseV4l2Formats } from '../../src/boards/cameras.js';
import { parseCpuInfo, readCpuInfo } from '../../src/boards/cpu.js';
import { listIioDevices } from '../../src/boards/iio.js';
import { findProgram } from '../../src/boards/program.js';
import { listSerialPorts } from '../../src/boards/serial.js';
import { armCpuInfo, fakeRoot, writeFakeFile } from './fake-root.js';

const onCi = process.env['CI'] === 'true' || process.env['CI'] === '1';

/** `v4l2-ctl --list-formats-ext` of a UVC webcam (v4l-utils 1.22). */
const UVC_FORMATS = [
  'ioctl: VIDIOC_ENUM_FMT', '\tType: Video Capture', '',
  "\t[0]: 'MJPG' (Motion-JPEG, compressed)",
  '\t\tSize: Discrete 1280x720', '\t\t\tInterval: Discrete 0.033s (30.000 fps)', '\t\t\tInterval: Discrete 0.067s (15.000 fps)',
  '\t\tSize: Discrete 640x480', '\t\t\tInterval: Discrete 0.033s (30.000 fps)',
  "\t[1]: 'YUYV' (YUYV 4:2:2)",
  '\t\tSize: Discrete 640x480', '\t\t\tInterval: Discrete 0.050s (20.000 fps)',
  "\t[2]: 'YU12' (Planar YUV 4:2:0)",
  '\t\tSize: Stepwise 16x16 - 1920x1080 with step 2/2', '',
].join('\n');

/** The same from v4l-utils 1.14 (Ubuntu 18.04, JetPack 4). */
const OLD_FORMATS = [
  'ioctl: VIDIOC_ENUM_FMT', '\tIndex       : 0', '\tType        : Video Capture', "\tPixel Format: 'MJPG' (compressed)",
  '\tName        : Motion-JPEG', '\t\tSize: Discrete 1920x1080', '\t\t\tInterval: Discrete 0.033s (30.000 fps)', '',
].join('\n');

describe('cameras', () => {
  it('parses formats, discrete sizes with their frame rates and stepwise ranges', () => {
    expect(parseV4l2Formats(UVC_FORMATS)).toEqual([
      { fourcc: 'MJPG', description: 'Motion-JPEG, compressed', sizes: [{ width: 1280, height: 720, fps: [30, 15] }, { width: 640, height: 480, fps: [30] }] },
      { fourcc: 'YUYV', description: 'YUYV 4:2:2', sizes: [{ width: 640, height: 480, fps: [20] }] },
      { fourcc: 'YU12', description: 'Planar YUV 4:2:0', sizes: [{ min: '16x16', max: '1920x1080', step: '2/2' }] },
    ]);
    expect(parseV4l2Formats(OLD_FORMATS)).toEqual([
      { fourcc: 'MJPG', description: 'Motion-JPEG', sizes: [{ width: 1920, height: 1080, fps: [30] }] },
    ]);
    expect(parseV4l2Formats('')).toEqual([]);
  });

  it('lists /dev/video* in number order with their sysfs names; a plain file is not queried', async () => {
    const root = fakeRoot({
      '/dev/video10': '', '/dev/video2': '', '/dev/vhci': '',
      '/sys/class/video4linux/video2/name': 'USB Camera: USB Camera\n',
    });
    expect(await listCameras(root)).toEqual([
      { device: '/dev/video2', name: 'USB Camera: USB Camera', formatsUnavailable: `${path.join(root, 'dev/video2')} is not a character device` },
      { device: '/dev/video10', formatsUnavailable: `${path.join(root, 'dev/video10')} is not a character device` },
    ]);
    expect(await listCameras(fakeRoot())).toEqual([]);
  });

  it('runs the real v4l2-ctl on a character device and reports its refusal', async (ctx) => {
    if (!(await findProgram('v4l2-ctl'))) {
      if (onCi) throw new Error('v4l2-ctl is not installed (apt-get install -y v4l-utils)');
      ctx.skip('v4l2-ctl is not installed (apt-get install -y v4l-utils)');
    }
    const root = fakeRoot();
    // /dev/null is a character device but no V4L2 one: v4l2-ctl runs and refuses it.
    writeFakeFile(root, '/dev/.keep', '');
    symlinkSync('/dev/null', path.join(root, 'dev', 'video0'));
    const [camera] = await listCameras(root);
    expect(camera!.formats).toBeUndefined();
    expect(camera!.formatsUnavailable).toMatch(/^v4l2-ctl: Command failed: .*v4l2-ctl --list-formats-ext -d .*video0: Unable to detect what device/);
  });
});

describe('IIO devices', () => {
  it('lists devices with their names and channels: raw values with their scale, input values as they are', async () => {
    const dev = '/sys/bus/iio/devices/iio:device0';
    const root = fakeRoot({
      [`${dev}/name`]: 'ads1015\n',
      [`${dev}/in_voltage0_raw`]: '1234\n',
      [`${dev}/in_voltage1_raw`]: 'busy\n',
      [`${dev}/in_voltage_scale`]: '3.000000\n',
      [`${dev}/in_voltage0_sampling_frequency`]: '1600\n',
      '/sys/bus/iio/devices/iio:device1/in_temp_input': '23450\n',
      '/sys/bus/iio/devices/trigger0/name': 'sysfstrig0\n',
    });
    expect(await listIioDevices(root)).toEqual([
      {
        device: 'iio:device0',
        name: 'ads1015',
        channels: [
          { channel: 'voltage0', kind: 'raw', file: `${dev}/in_voltage0_raw`, value: 1234, scale: 3 },
          { channel: 'voltage1', kind: 'raw', file: `${dev}/in_voltage1_raw`, error: 'expected a number but read "busy"', scale: 3 },
        ],
      },
      { device: 'iio:device1', channels: [{ channel: 'temp', kind: 'input', file: '/sys/bus/iio/devices/iio:device1/in_temp_input', value: 23450 }] },
    ]);
    expect(await listIioDevices(fakeRoot())).toEqual([]);
  });
});

describe('serial ports and CPU', () => {
  it('lists USB, ACM, PL011 and 8250 serial ports only', async () => {
    const root = fakeRoot({ '/dev/ttyUSB0': '', '/dev/ttyACM1': '', '/dev/ttyAMA0': '', '/dev/ttyS10': '', '/dev/ttyS2': '', '/dev/tty1': '', '/dev/ttyprintk': '' });
    expect(await listSerialPorts(root)).toEqual(['/dev/ttyACM1', '/dev/ttyAMA0', '/dev/ttyS2', '/dev/ttyS10', '/dev/ttyUSB0']);
  });

  it('counts cores and names them on x86 and Arm', async () => {
    expect(parseCpuInfo(armCpuInfo(4, '0x41', '0xd0b', 'Raspberry Pi 5 Model B Rev 1.0'))).toEqual({ count: 4, model: 'Cortex-A76', hardware: 'Raspberry Pi 5 Model B Rev 1.0' });
    expect(parseCpuInfo(armCpuInfo(6, '0x4e', '0x004'))).toEqual({ count: 6, model: 'NVIDIA Carmel' });
    expect(parseCpuInfo(armCpuInfo(2, '0x41', '0xd99'))).toEqual({ count: 2, model: 'Arm implementer 0x41 part 0xd99' });
    const x86 = 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) CPU\n\nprocessor\t: 1\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) CPU\n';
    expect(parseCpuInfo(x86)).toEqual({ count: 2, model: 'Intel(R) Xeon(R) CPU' });
    expect(await readCpuInfo(fakeRoot())).toEqual({ error: expect.stringMatching(/^ENOENT/) as unknown as string });
    const real = await readCpuInfo('/');
    expect('count' in real && real.count).toBeGreaterThan(0);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinDevicesDir, loadDeviceProfiles, parseDeviceProfile } from '../../src/boards/profiles.js';
import { builtinDelegatesDir, loadDelegateDescriptors } from '../../src/runtime/delegates.js';

const delegates = new Set(loadDelegateDescriptors([builtinDelegatesDir]).keys());

const valid = [
  'version: 1', 'id: my-board', 'name: My Board', 'match:', '  - model: My Board',
  'camera:', '  input: /dev/video0', 'delegates: [xnnpack]', 'thermal:', '  zones: [cpu-thermal]', '  throttle_c: 80', '',
].join('\n');

describe('device profiles', () => {
  it('ships the boards and the two generic fallbacks, every one valid with delegates from delegates/', () => {
    const profiles = loadDeviceProfiles([builtinDevicesDir], { delegates });
    expect(profiles.map((p) => p.id)).toEqual([
      'coral-dev-board', 'generic-arm64', 'generic-x64', 'jetson-orin-nano', 'jetson-xavier-nx', 'nxp-imx8mp',
      'qualcomm-qcs6490', 'raspberry-pi-4', 'raspberry-pi-5',
    ]);
    for (const p of profiles) {
      for (const d of p.delegates) expect(delegates.has(d), `${p.id}: ${d}`).toBe(true);
      expect(p.thermal.zones.length, p.id).toBeGreaterThan(0);
      if (p.camera.command) expect(p.camera.commandOutput, p.id).toBe('mjpeg');
      else expect(p.camera.input, p.id).toMatch(/^\/dev\/video\d+$/);
    }
    expect(profiles.filter((p) => p.fallback).map((p) => [p.id, p.match[0]!.arch])).toEqual([
      ['generic-arm64', ['arm64']],
      ['generic-x64', ['x64']],
    ]);
    const pi5 = profiles.find((p) => p.id === 'raspberry-pi-5')!;
    expect(pi5.camera).toEqual({
      input: 'pi-camera',
      command: ['rpicam-vid', '-t', '0', '-n', '--codec', 'mjpeg', '--width', '1280', '--height', '720', '--framerate', '30', '-o', '-'],
      commandOutput: 'mjpeg',
    });
    const orin = profiles.find((p) => p.id === 'jetson-orin-nano')!;
    expect(orin.camera.command!.slice(0, 3)).toEqual(['gst-launch-1.0', '-q', 'nvarguscamerasrc']);
    expect(orin.camera.command!.slice(-4)).toEqual(['jpegenc', '!', 'fdsink', 'fd=1']);
    expect(orin.delegates[0]).toBe('gpu');
    expect(profiles.find((p) => p.id === 'nxp-imx8mp')!.delegates[0]).toBe('vx');
    const rb3 = profiles.find((p) => p.id === 'qualcomm-qcs6490')!;
    expect(rb3.delegates).toEqual(['qnn', 'xnnpack']);
    expect(rb3.camera.command!.slice(0, 4)).toEqual(['gst-launch-1.0', '-q', 'qtiqmmfsrc', 'camera=0']);
    expect(rb3.camera.command!.slice(-4)).toEqual(['jpegenc', '!', 'fdsink', 'fd=1']);
    expect(rb3.thermal).toEqual({ zones: ['cpuss0-thermal', 'cpuss1-thermal', 'nspss0-thermal', 'nspss1-thermal'], throttleC: 90 });
    expect(profiles.find((p) => p.id === 'coral-dev-board')!.delegates[0]).toBe('edgetpu');
  });

  it('parses a profile into camelCase fields, cpu implied at the end of the delegates', () => {
    const profile = parseDeviceProfile('b.yaml', valid.replace('[xnnpack]', '[xnnpack, cpu]'), { delegates });
    expect(profile).toEqual({
      id: 'my-board', name: 'My Board', fallback: false, match: [{ model: 'My Board' }],
      camera: { input: '/dev/video0' }, delegates: ['xnnpack'], thermal: { zones: ['cpu-thermal'], throttleC: 80 }, file: 'b.yaml',
    });
  });

  it('reports every problem with file:line:col, the field, the value and what was expected', () => {
    const text = [
      'version: 2', 'id: My Board', 'name: x', 'match:', '  - model: 5', '  - { file: etc/marker, arch: [sparc] }', '  - {}',
      'camera:', '  input: pi-camera', '  command_output: h264', 'delegates: [npu, xnnpack]', 'thermal:', '  zones: []',
      '  throttle_c: 500', 'colour: red', '',
    ].join('\n');
    expect(() => parseDeviceProfile('bad.yaml', text, { delegates })).toThrow(
      [
        'bad.yaml:15:9: colour: expected one of the fields version, id, name, fallback, match, camera, delegates, thermal but received "colour"',
        'bad.yaml:1:10: version: expected 1 but received 2',
        'bad.yaml:2:5: id: expected lower-case letters, digits and dashes (raspberry-pi-5) but received "My Board"',
        'bad.yaml:5:12: match.0.model: expected a non-empty string but received 5',
        'bad.yaml:6:13: match.1.file: expected an absolute path but received "etc/marker"',
        'bad.yaml:6:32: match.1.arch.0: expected one of arm, arm64, ia32, loong64, mips, mipsel, ppc, ppc64, riscv64, s390, s390x, x64 but received "sparc"',
        'bad.yaml:7:5: match.2: expected at least one of model, compatible, file, arch but received an object',
        'bad.yaml:10:19: camera.command_output: expected one of rgb24, bgr24, gray8, i420, nv12, yuyv, mjpeg but received "h264"',
        'bad.yaml:10:19: camera.command_output: expected nothing without camera.command but received "h264"',
        'bad.yaml:9:10: camera.input: expected a V4L2 device (/dev/...) when there is no camera.command but received "pi-camera"',
        'bad.yaml:11:13: delegates.0: expected a delegate from delegates/ (armnn, edgetpu, gpu, qnn, vx, xnnpack) but received "npu"',
        'bad.yaml:13:10: thermal.zones: expected a list of at least 1 non-empty string but received an array of 0',
        'bad.yaml:14:15: thermal.throttle_c: expected a temperature in °C between 30 and 150 but received 500',
      ].join('\n'),
    );
  });

  it('requires command_output with a camera command, and an arch on generic profiles', () => {
    const withCommand = valid.replace('  input: /dev/video0', '  input: cam\n  command: [rpicam-vid]');
    expect(() => parseDeviceProfile('c.yaml', withCommand)).toThrow(
      /^c\.yaml:7:3: camera\.command_output: expected what camera\.command writes \(required with command\) but received nothing$/,
    );
    const generic = valid.replace('match:\n  - model: My Board', 'fallback: true\nmatch: {}');
    expect(() => parseDeviceProfile('g.yaml', generic)).toThrow(
      /^g\.yaml:\d+:\d+: match\.arch: expected a list of at least 1 non-empty string but received nothing$/,
    );
  });

  it('reports YAML syntax errors with their position', () => {
    expect(() => parseDeviceProfile('y.yaml', 'id: [unclosed\n')).toThrow(/^y\.yaml:\d+:\d+: /);
  });

  it('lets a later folder replace a shipped profile by id, and refuses two files with one id in a folder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-devices-'));
    writeFileSync(path.join(dir, 'pi5.yaml'), valid.replace('my-board', 'raspberry-pi-5'));
    const profiles = loadDeviceProfiles([builtinDevicesDir, dir], { delegates });
    expect(profiles.find((p) => p.id === 'raspberry-pi-5')!.file).toBe(path.join(dir, 'pi5.yaml'));
    writeFileSync(path.join(dir, 'pi5-copy.yaml'), valid.replace('my-board', 'raspberry-pi-5'));
    expect(() => loadDeviceProfiles([dir])).toThrow(
      `${path.join(dir, 'pi5.yaml')}:1:1: id: expected an id no other file in ${dir} uses but received "raspberry-pi-5" (also in ${path.join(dir, 'pi5-copy.yaml')})`,
    );
  });
});

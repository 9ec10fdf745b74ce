import { describe, expect, it } from 'vitest';
import { detectBoard } from '../../src/boards/detect.js';
import { builtinDevicesDir, loadDeviceProfiles, parseDeviceProfile } from '../../src/boards/profiles.js';
import { deviceTree, fakeRoot, PI5_FILES } from './fake-root.js';

const profiles = loadDeviceProfiles([builtinDevicesDir]);

/** Model and compatible strings as these boards' device trees give them. */
const boards: Array<[string, Record<string, string>]> = [
  ['raspberry-pi-4', deviceTree('Raspberry Pi 4 Model B Rev 1.4', ['raspberrypi,4-model-b', 'brcm,bcm2711'])],
  ['raspberry-pi-4', deviceTree('Raspberry Pi Compute Module 4 Rev 1.0', ['raspberrypi,4-compute-module', 'brcm,bcm2711'])],
  ['raspberry-pi-5', PI5_FILES],
  ['jetson-orin-nano', deviceTree('NVIDIA Jetson Orin Nano Developer Kit', ['nvidia,p3768-0000+p3767-0005', 'nvidia,p3767-0005', 'nvidia,tegra234'])],
  ['jetson-xavier-nx', deviceTree('NVIDIA Jetson Xavier NX Developer Kit', ['nvidia,p3449-0000+p3668-0001', 'nvidia,tegra194'])],
  ['coral-dev-board', deviceTree('Freescale i.MX8MQ Phanbell', ['fsl,imx8mq-phanbell', 'fsl,imx8mq'])],
  ['nxp-imx8mp', deviceTree('NXP i.MX8MPlus EVK board', ['fsl,imx8mp-evk', 'fsl,imx8mp'])],
  // As the upstream qcs6490-rb3gen2.dts names the board (Qualcomm Linux adds mezzanine words after it).
  ['qualcomm-qcs6490', deviceTree('Qualcomm Technologies, Inc. Robotics RB3gen2', ['qcom,qcs6490-rb3gen2', 'qcom,qcm6490'])],
  ['qualcomm-qcs6490', deviceTree('Qualcomm Technologies, Inc. Robotics RB3gen2 addons vision mezz platform', ['qcom,qcs6490-rb3gen2', 'qcom,qcm6490'])],
  // Another board on the SoC, known by the SoC's compatible only.
  ['qualcomm-qcs6490', deviceTree('Thundercomm RUBIK Pi 3', ['thundercomm,rubikpi3', 'qcom,qcm6490'])],
];

describe('detectBoard', () => {
  it.each(boards)('recognises %s from its device tree, with one profile only', async (id, files) => {
    const board = await detectBoard({ root: fakeRoot(files), arch: 'arm64', profiles });
    expect(board.profile?.id).toBe(id);
    expect(board.fallback).toBe(false);
    expect(board.ties).toEqual([]);
  });

  it('reports the evidence: the model without its trailing NUL and the compatible entries', async () => {
    const board = await detectBoard({ root: fakeRoot(PI5_FILES), arch: 'arm64', profiles });
    expect(board.facts).toEqual({ model: 'Raspberry Pi 5 Model B Rev 1.0', compatible: ['raspberrypi,5-model-b', 'brcm,bcm2712'], arch: 'arm64' });
    expect(board.evidence).toEqual([
      { kind: 'model', path: '/proc/device-tree/model', expected: 'Raspberry Pi 5', found: 'Raspberry Pi 5 Model B Rev 1.0' },
    ]);
  });

  it('recognises a Jetson without a known module by /etc/nv_tegra_release and its SoC, preferring the rule with more evidence', async () => {
    const root = fakeRoot({
      ...deviceTree('NVIDIA Jetson AGX Orin Developer Kit', ['nvidia,p3737-0000+p3701-0005', 'nvidia,tegra234']),
      '/etc/nv_tegra_release': '# R36 (release), REVISION: 3.0\n',
    });
    const board = await detectBoard({ root, arch: 'arm64', profiles });
    expect(board.profile?.id).toBe('jetson-orin-nano');
    expect(board.evidence).toEqual([
      { kind: 'compatible', path: '/proc/device-tree/compatible', expected: 'nvidia,tegra234' },
      { kind: 'file', path: '/etc/nv_tegra_release' },
    ]);
    // Without the L4T marker file, the SoC alone is not enough.
    const bare = await detectBoard({ root: fakeRoot(deviceTree('NVIDIA Jetson AGX Orin', ['nvidia,tegra234'])), arch: 'arm64', profiles });
    expect(bare.profile?.id).toBe('generic-arm64');
  });

  it('recognises the RB3 Gen 2 by model and compatible, and reports the evidence', async () => {
    const board = await detectBoard({
      root: fakeRoot(deviceTree('Qualcomm Technologies, Inc. Robotics RB3gen2', ['qcom,qcs6490-rb3gen2', 'qcom,qcm6490'])),
      arch: 'arm64',
      profiles,
    });
    expect(board.profile?.id).toBe('qualcomm-qcs6490');
    expect(board.profile?.delegates).toEqual(['qnn', 'xnnpack']);
    expect(board.facts).toEqual({ model: 'Qualcomm Technologies, Inc. Robotics RB3gen2', compatible: ['qcom,qcs6490-rb3gen2', 'qcom,qcm6490'], arch: 'arm64' });
    // The first rule that holds is reported (every rule has one condition).
    expect(board.evidence).toEqual([
      { kind: 'model', path: '/proc/device-tree/model', expected: 'Robotics RB3gen2', found: 'Qualcomm Technologies, Inc. Robotics RB3gen2' },
    ]);
    const rubik = await detectBoard({ root: fakeRoot(deviceTree('Thundercomm RUBIK Pi 3', ['thundercomm,rubikpi3', 'qcom,qcm6490'])), arch: 'arm64', profiles });
    expect(rubik.evidence).toEqual([{ kind: 'compatible', path: '/proc/device-tree/compatible', expected: 'qcom,qcm6490' }]);
    // Another Qualcomm SoC (the RB5's QRB5165) is not taken for it.
    const rb5 = await detectBoard({ root: fakeRoot(deviceTree('Qualcomm Technologies, Inc. Robotics RB5', ['qcom,qrb5165-rb5', 'qcom,sm8250'])), arch: 'arm64', profiles });
    expect(rb5.profile?.id).toBe('generic-arm64');
  });

  it('falls back to the generic profile of the architecture when no board matches', async () => {
    const x86 = await detectBoard({ root: fakeRoot(), arch: 'x64', profiles });
    expect(x86).toMatchObject({ fallback: true, evidence: [{ kind: 'arch', expected: ['x64'], found: 'x64' }], facts: { compatible: [], arch: 'x64' } });
    expect(x86.profile?.id).toBe('generic-x64');
    expect(x86.facts.model).toBeUndefined();
    const rock = await detectBoard({ root: fakeRoot(deviceTree('Radxa ROCK 5B', ['radxa,rock-5b', 'rockchip,rk3588'])), arch: 'arm64', profiles });
    expect(rock.profile?.id).toBe('generic-arm64');
    const riscv = await detectBoard({ root: fakeRoot(), arch: 'riscv64', profiles });
    expect(riscv).toMatchObject({ profile: undefined, fallback: false, evidence: [] });
  });

  it('names the other profiles when two match equally well', async () => {
    const copy = parseDeviceProfile('copy.yaml', [
      'version: 1', 'id: pi5-copy', 'name: Copy', 'match:', '  - model: Raspberry Pi 5', 'camera: { input: /dev/video0 }',
      'delegates: []', 'thermal: { zones: [cpu-thermal], throttle_c: 80 }',
    ].join('\n'));
    const board = await detectBoard({ root: fakeRoot(PI5_FILES), arch: 'arm64', profiles: [copy, ...profiles] });
    expect(board.profile?.id).toBe('pi5-copy');
    expect(board.ties).toEqual(['raspberry-pi-5']);
  });

  it('reads the real machine without failing', async () => {
    const board = await detectBoard();
    expect(board.facts.arch).toBe(process.arch);
    if (process.arch === 'x64' || process.arch === 'arm64') expect(board.profile).toBeDefined();
  });
});

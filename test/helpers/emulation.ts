/**
 * Tells whether the tests run under user-mode emulation (qemu-user: arm64 code on an x86 host, as
 * scripts/arm64-test.sh runs them) and skips the few that need real hardware there, saying why.
 *
 * Detection does not trust an environment variable: qemu-user emulates the CPU but passes the host's
 * /proc/cpuinfo through, so an arm64 process that reads x86 fields ("vendor_id", "flags") there, or an x64
 * process that reads Arm ones ("CPU implementer"), runs on a CPU of another architecture.
 */
import { readFileSync } from 'node:fs';

function hostCpuFamily(cpuinfo: string): 'x64' | 'arm64' | undefined {
  if (/^vendor_id\s*:/m.test(cpuinfo)) return 'x64';
  if (/^CPU implementer\s*:/m.test(cpuinfo)) return 'arm64';
  return undefined;
}

/** "qemu-user (arm64 on an x64 host)" and the like under emulation, undefined on real hardware. */
export function emulation(arch: string = process.arch, cpuinfo?: string): string | undefined {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const host = hostCpuFamily(text);
  if (host === undefined || (arch !== 'x64' && arch !== 'arm64') || host === arch) return undefined;
  return `qemu-user (${arch} on an ${host} host)`;
}

const detected = emulation();

/**
 * True (skip) only under emulation, printing why the test needs real hardware; use as
 * `it.skipIf(needsRealHardware('the reason'))(...)`. On real hardware and natively it is false: the test runs.
 */
export function needsRealHardware(reason: string): boolean {
  if (detected === undefined) return false;
  console.warn(`skipped under ${detected}: needs real hardware: ${reason}`);
  return true;
}

/**
 * Why a test that starts a Pipeline (or loads a model through loadVerifiedModel) needs real hardware: the model is
 * probed first in a child Node process held to the probe's 20 s wall-clock limit (src/runtime/probe.ts). Under
 * qemu-user that child needs ~3.5 s of CPU for the Node start, the addon and TFLite alone (measured), so on a
 * loaded 2-core host it is killed before it reaches the model and the verdict is a timeout of qemu's making.
 */
export const PROBE_UNDER_EMULATION =
  'the model probe is a child Node process held to a 20 s wall-clock limit, which an emulated Node start with the addon ' +
  'and TFLite (~3.5 s of CPU) exceeds on a loaded host';

/**
 * How much longer a test's own time limit is under emulation: qemu-user runs arm64 code about ten times slower
 * than the host runs its own (measured on the TFLite kernels, sharp and Node's start, docs/boards.md), and a
 * loaded host slows it further. Natively the limit is unchanged.
 */
export const EMULATION_SLOWDOWN = 10;

/** `ms` natively, EMULATION_SLOWDOWN times it under emulation: for a test's explicit time limit. */
export function timeLimit(ms: number, emulated: boolean = detected !== undefined): number {
  return emulated ? ms * EMULATION_SLOWDOWN : ms;
}

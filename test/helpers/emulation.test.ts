import { describe, expect, it } from 'vitest';
import { cCompiler } from './build-c.js';
import { onArch } from './arch-results.js';
import { emulation, timeLimit } from './emulation.js';

const X86_CPUINFO = 'processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 26\nflags\t\t: fpu vme sse2\n';
const ARM_CPUINFO = 'processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n';

describe('emulation detection (qemu-user passes the host /proc/cpuinfo through)', () => {
  it('sees arm64 code on an x86 host, and x64 code on an Arm host', () => {
    expect(emulation('arm64', X86_CPUINFO)).toBe('qemu-user (arm64 on an x64 host)');
    expect(emulation('x64', ARM_CPUINFO)).toBe('qemu-user (x64 on an arm64 host)');
  });

  it('sees real hardware where the CPU matches, or where it cannot tell', () => {
    expect(emulation('x64', X86_CPUINFO)).toBeUndefined();
    expect(emulation('arm64', ARM_CPUINFO)).toBeUndefined();
    expect(emulation('arm64', '')).toBeUndefined();
    expect(emulation('riscv64', X86_CPUINFO)).toBeUndefined();
  });
});

describe('the C compiler of the tests', () => {
  it('is $CC as make reads it, or gcc', () => {
    expect(cCompiler({})).toEqual({ program: 'gcc', args: [] });
    expect(cCompiler({ CC: '  ' })).toEqual({ program: 'gcc', args: [] });
    expect(cCompiler({ CC: 'aarch64-linux-gnu-gcc' })).toEqual({ program: 'aarch64-linux-gnu-gcc', args: [] });
    expect(cCompiler({ CC: 'ccache gcc -m64' })).toEqual({ program: 'ccache', args: ['gcc', '-m64'] });
  });
});

describe('per-architecture expectations and limits', () => {
  it('picks the arm64 value on arm64 and the x64 one elsewhere', () => {
    expect(onArch({ x64: 193, arm64: 191 }, 'arm64')).toBe(191);
    expect(onArch({ x64: 193, arm64: 191 }, 'x64')).toBe(193);
  });

  it('stretches a test\'s own limit only under emulation', () => {
    expect(timeLimit(120_000, false)).toBe(120_000);
    expect(timeLimit(120_000, true)).toBe(1_200_000);
  });
});

/**
 * The prebuilt addon shipped in the npm package (prebuilds/, made by scripts/build-prebuilds.sh): built from the
 * sources in this checkout, for the architecture its folder names, loadable on glibc 2.28 without the build
 * machine's libstdc++ (objdump -T of each binary), and the x64 one runs an inference here.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { colourClassifierModel } from '../../src/demo/colour-classifier.js';
import { projectRoot } from '../helpers/shared-models.js';
import { findTool, missingToolReason } from '../service/tools.js';

const objdump = findTool('objdump');
const noObjdump = missingToolReason('objdump', objdump, 'binutils') !== undefined;
const binary = (arch: string) => path.join(projectRoot, 'prebuilds', `linux-${arch}`, 'edgepipe_tflite.napi.glibc.node');

/** Highest symbol version per kind (GLIBC, GLIBCXX, CXXABI, GCC) that the binary's dynamic symbols require. */
export function requiredVersions(dump: string): Map<string, number[]> {
  const highest = new Map<string, number[]>();
  for (const match of dump.matchAll(/\((GLIBC|GLIBCXX|CXXABI|GCC)_([0-9.]+)\)/g)) {
    const version = match[2]!.split('.').map(Number);
    const seen = highest.get(match[1]!);
    if (!seen || compare(version, seen) > 0) highest.set(match[1]!, version);
  }
  return highest;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

describe('prebuilt addon', () => {
  it('the parser finds the highest version of each kind', () => {
    const dump = [
      '0000000000000000      DF *UND*	0000000000000000 (GLIBC_2.2.5) dlopen',
      '0000000000000000      DF *UND*	0000000000000000 (GLIBC_2.17) clock_gettime',
      '0000000000000000  w   DF *UND*	0000000000000000 (GLIBC_2.3.2) pthread_cond_wait',
      '0000000000000000      DF *UND*	0000000000000000 (GLIBCXX_3.4.30) _ZSt28__throw_bad_array_new_lengthv',
    ].join('\n');
    expect(Object.fromEntries(requiredVersions(dump))).toEqual({ GLIBC: [2, 17], GLIBCXX: [3, 4, 30] });
  });

  it('was built from the sources in this checkout (else run scripts/build-prebuilds.sh and commit prebuilds/)', () => {
    const current = execFileSync(process.execPath, [path.join(projectRoot, 'scripts', 'native-sources-hash.mjs')], { encoding: 'utf8' });
    expect(readFileSync(path.join(projectRoot, 'prebuilds', 'SOURCES.sha256'), 'utf8')).toBe(current);
  });

  it.each([
    ['x64', 62],
    ['arm64', 183],
  ])('linux-%s is an ELF shared object for that machine', (arch, machine) => {
    const header = readFileSync(binary(arch)).subarray(0, 20);
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(header[4]).toBe(2); // 64-bit
    expect(header.readUInt16LE(16)).toBe(3); // ET_DYN
    expect(header.readUInt16LE(18)).toBe(machine); // EM_X86_64 / EM_AARCH64
  });

  // glibc 2.28: Debian 10, Ubuntu 20.04 (2.31), Raspberry Pi OS Bullseye and JetPack 5 (2.31); it is also what Node 20
  // and sharp's libvips need. libstdc++ is linked in, so no GLIBCXX/CXXABI version may be required at all, and only
  // the C library, libgcc_s and the loader may be needed (every glibc system has them).
  it.skipIf(noObjdump).each(['x64', 'arm64'])('linux-%s needs at most GLIBC_2.28 and no libstdc++', async (arch) => {
    const dump = execFileSync(objdump!, ['-T', binary(arch)], { encoding: 'utf8' });
    const versions = requiredVersions(dump);
    expect(compare(versions.get('GLIBC')!, [2, 28]), `needs GLIBC_${versions.get('GLIBC')!.join('.')}`).toBeLessThanOrEqual(0);
    expect(versions.get('GLIBCXX')).toBeUndefined();
    expect(versions.get('CXXABI')).toBeUndefined();
    const needed = [...execFileSync(objdump!, ['-p', binary(arch)], { encoding: 'utf8' }).matchAll(/^\s*NEEDED\s+(\S+)$/gm)].map((m) => m[1]);
    for (const library of needed) expect(library).toMatch(/^(libc\.so\.6|libdl\.so\.2|libpthread\.so\.0|libgcc_s\.so\.1|ld-linux-(x86-64|aarch64)\.so\.[12])$/);
    expect(needed).toContain('libc.so.6');
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('the x64 binary is the one loaded without a build/ folder, and it runs an inference', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-prebuilt-'));
    writeFileSync(path.join(dir, 'colour.tflite'), colourClassifierModel());
    await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 220, g: 20, b: 20 } } }).png().toFile(path.join(dir, 'red.png'));
    // PREBUILDS_ONLY: node-gyp-build skips build/Release (this checkout's own build) as it does where none exists.
    const env = { ...process.env, PREBUILDS_ONLY: '1' };
    const loaded = execFileSync(process.execPath, ['-e', "console.log(require('node-gyp-build').path(process.argv[1]))", projectRoot], { cwd: projectRoot, env, encoding: 'utf8' });
    expect(loaded.trim()).toBe(binary('x64'));
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'infer', path.join(dir, 'colour.tflite'), '--input', path.join(dir, 'red.png'), '--top', '1', '--json'], { env }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.code, result.stderr).toBe(0);
    const top = (JSON.parse(result.stdout) as { outputs: Array<{ top: Array<{ label: string; score: number }> }> }).outputs[0]!.top[0]!;
    expect(top.label).toBe('red');
    expect(top.score).toBeGreaterThan(0.9);
  });

  it('with neither a build nor a prebuilt binary, the CLI says where it looked and how to build one (exit 1)', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'edgepipe-noaddon-'));
    const model = path.join(empty, 'colour.tflite');
    writeFileSync(model, colourClassifierModel());
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(projectRoot, 'bin', 'edgepipe.js'), 'inspect', model], { env: { ...process.env, EDGEPIPE_PREBUILD: empty } }, (error, _stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The edgepipe native addon is neither built nor prebuilt for ${process.platform}-${process.arch}, glibc `);
    expect(result.stderr).toContain(
      `(looked in ${empty}/build/Release, ${empty}/build/Debug, ${empty}/prebuilds/${process.platform}-${process.arch}; prebuilt binaries ship for ` +
        `linux-x64 and linux-arm64 with glibc >= 2.28). Build it from source with "npm run build:addon" in ${projectRoot}; it needs python3, make and g++`,
    );
  });
});

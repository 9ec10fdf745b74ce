/**
 * What a board installs: `npm pack` of this project, installed with npm into an empty folder with no compiler on
 * the PATH (only node, npm and sh, which npm runs scripts with; CC/CXX unset), then `edgepipe infer`, `probe` and
 * `install-service` run from the installed package. One pack and one install (they take a minute or two each on a
 * busy 2-core machine); the dependencies come from the registry or npm's cache (--prefer-offline).
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourClassifierModel } from '../../src/demo/colour-classifier.js';
import { projectRoot } from '../helpers/shared-models.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], options: ExecFileOptions): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', ...options }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** This environment without what `npm test` and a developer's shell add: npm's own settings and compilers. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || ['INIT_CWD', 'CC', 'CXX', 'NODE_OPTIONS'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// Measured on the 2-core development machine under load: pack 80 s (tsc in prepare), install 30 s, staging
// install-service 23 s. The limits are several times that.
const packLimitMs = 600_000;
const installLimitMs = 600_000;

const work = mkdtempSync(path.join(tmpdir(), 'edgepipe-packed-'));
const app = path.join(work, 'app');
const bin = path.join(work, 'bin');
const installed = path.join(app, 'node_modules', 'edgepipe');
let tarball = '';
let packed: { size: number; unpackedSize: number; files: Array<{ path: string; size: number }> };
let install: Run;
const env = cleanEnv({ PATH: bin });

const exampleFiles = { model: path.join(work, 'colour.tflite'), image: path.join(work, 'red.png') };

beforeAll(async () => {
  // Packed from a copy of the checkout: prepack writes tflite/ and prepare rebuilds dist/, which must not change
  // under the other test files running at the same time.
  const source = path.join(work, 'source');
  const left = new Set(['node_modules', 'build', 'dist', 'dist-bench', '.git', 'test', 'bench', 'tflite']);
  cpSync(projectRoot, source, { recursive: true, filter: (from) => path.dirname(from) !== projectRoot || !left.has(path.basename(from)) });
  symlinkSync(path.join(projectRoot, 'node_modules'), path.join(source, 'node_modules'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: source, env: cleanEnv({}), timeout: packLimitMs });
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as Array<typeof packed & { filename: string }>)[0]!;
  tarball = path.join(work, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename);

  // The board: node, npm and sh only. No gcc, g++, make, python3.
  mkdirSync(bin);
  for (const tool of ['node', 'npm', 'sh']) {
    const found = await run('sh', ['-c', `command -v ${tool}`], {});
    symlinkSync(found.stdout.trim(), path.join(bin, tool));
  }
  mkdirSync(app);
  install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], { cwd: app, env, timeout: installLimitMs });

  writeFileSync(exampleFiles.model, colourClassifierModel());
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 220, g: 20, b: 20 } } }).png().toFile(exampleFiles.image);
}, packLimitMs + installLimitMs);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const edgepipe = (args: string[], cwd = app) => run(path.join(app, 'node_modules', '.bin', 'edgepipe'), args, { cwd, env, timeout: 120_000 });

describe('the packed package (npm pack)', () => {
  it('holds what a board runs and builds from, and nothing of the checkout besides', () => {
    const files = packed.files.map((f) => f.path);
    for (const expected of [
      'package.json',
      'README.md',
      'bin/edgepipe.js',
      'dist/cli/main.js',
      'prebuilds/linux-x64/edgepipe_tflite.napi.glibc.node',
      'prebuilds/linux-arm64/edgepipe_tflite.napi.glibc.node',
      'tflite/linux-x64/libtensorflowlite_c.so',
      'tflite/linux-arm64/libtensorflowlite_c.so',
      'tflite/include/tensorflow/lite/c/c_api.h',
      'binding.gyp',
      'src/native/addon.cc',
      'schema/pipeline.schema.json',
      'pipelines/demo.yaml',
      'deploy/mosquitto/edgepipe.conf',
      'systemd/edgepipe.service',
      'devices/raspberry-pi-5.yaml',
      'delegates/edgetpu.yaml',
    ]) {
      expect(files, expected).toContain(expected);
    }
    // Every folder package.json ships that this checkout has (web/ when the live view is there) is in it.
    const shipped = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { files: string[] }).files;
    for (const entry of shipped.filter((e) => e !== 'tflite' && existsSync(path.join(projectRoot, e)))) {
      expect(files.some((f) => f === entry || f.startsWith(`${entry}/`)), entry).toBe(true);
    }
    const stray = files.filter((f) => /^(test|bench|build|dist-bench|node_modules|scripts|\.ci|\.git)\//.test(f) || /\.tsbuildinfo$|^src\/(?!native\/)/.test(f));
    expect(stray).toEqual([]);
    // 4.3 MB packed and 11.7 MB unpacked when this was written, 7.2 MB of it the two TFLite libraries: a stray
    // build/, node_modules or model would add tens of MB.
    expect(packed.size).toBeLessThan(6_000_000);
    expect(packed.unpackedSize).toBeLessThan(16_000_000);
  });
});

describe('installed from the tarball with no compiler on the PATH', () => {
  it('installs without compiling: the install script finds the prebuilt addon; no tfjs-tflite-node, no build/', async () => {
    expect(install.code, install.stdout + install.stderr).toBe(0);
    // The premise: nothing to compile with.
    for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3']) expect((await run('sh', ['-c', `command -v ${tool}`], { env })).code, tool).not.toBe(0);
    expect(install.stdout + install.stderr).toContain('> node-gyp-build');
    expect(install.stdout + install.stderr).not.toMatch(/gyp (ERR|info)/);
    expect(existsSync(path.join(installed, 'build'))).toBe(false);
    const modules = readdirSync(path.join(app, 'node_modules'));
    expect(modules).not.toContain('tfjs-tflite-node');
    expect(modules).not.toContain('@tensorflow');
  });

  it('edgepipe infer classifies an image with the prebuilt addon and the packaged TFLite', async () => {
    expect(install.code).toBe(0);
    const result = await edgepipe(['infer', exampleFiles.model, '--input', exampleFiles.image, '--top', '1', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const top = (JSON.parse(result.stdout) as { outputs: Array<{ top: Array<{ label: string; score: number }> }> }).outputs[0]!.top[0]!;
    expect(top.label).toBe('red');
    expect(top.score).toBeGreaterThan(0.9);
  });

  it('edgepipe probe finds the board profile and the TFLite library inside the installed package', async () => {
    expect(install.code).toBe(0);
    const result = await edgepipe(['probe', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { board: { file: string }; tflite: { found: boolean; path: string; version: string } };
    expect(report.tflite).toMatchObject({ found: true, path: path.join(installed, 'tflite', `linux-${process.arch}`, 'libtensorflowlite_c.so'), version: '2.9.0' });
    expect(report.board.file.startsWith(path.join(installed, 'devices'))).toBe(true);
  });

  it('install-service copies the package with its dependencies (the unit cannot see /tmp), and the copy runs on its own', async () => {
    expect(install.code).toBe(0);
    const prefix = path.join(work, 'stage');
    const copy = path.join(prefix, 'usr', 'lib', 'edgepipe');
    const dry = await edgepipe(['install-service', '--prefix', prefix, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines[1]).toMatch(
      new RegExp(
        `^would copy ${installed} to ${copy} \\(the package: ${installed} is under /tmp, which the service cannot see \\(PrivateTmp=yes\\)\\), ` +
          `with the \\d+ packages it needs from ${path.join(app, 'node_modules')} into ${path.join(copy, 'node_modules')}$`,
      ),
    );
    expect(lines).toContain(`would write ${prefix}/etc/systemd/system/edgepipe.service (unit, ExecStart=${process.execPath} /usr/lib/edgepipe/bin/edgepipe.js)`);
    expect(existsSync(prefix)).toBe(false);

    const staged = await edgepipe(['install-service', '--prefix', prefix, '--no-enable']);
    expect(staged.code, staged.stderr).toBe(0);
    for (const name of ['sharp', 'rxjs', 'mqtt', 'node-gyp-build']) expect(existsSync(path.join(copy, 'node_modules', name, 'package.json')), name).toBe(true);
    // The copy resolves everything from itself: its folder is not under app/, so nothing is found there.
    const copied = (args: string[]) => run(process.execPath, [path.join(copy, 'bin', 'edgepipe.js'), ...args], { cwd: '/', env, timeout: 120_000 });
    const validated = await copied(['validate', path.join(prefix, 'etc', 'edgepipe', 'pipelines.d')]);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout + validated.stderr).toContain('ok: 1 pipeline(s) in 1 file(s)');
    const inferred = await copied(['infer', exampleFiles.model, '--input', exampleFiles.image, '--top', '1']);
    expect(inferred.code, inferred.stderr).toBe(0);
    expect(inferred.stdout).toMatch(/^\s+0\s+0\.99\d+\s+red$/m);
  }, 300_000);
});


// Compiles the C fixtures used by tests: the external-delegate plugins in test/fixtures/delegates/ and
// small C programs (the plugin harness, the C benchmark). The compiler is $CC (default gcc; an arm64
// run on x86 sets aarch64-linux-gnu-gcc), run with execFile and an argument array, never through a shell. Outputs are cached and rebuilt only when a source or header is newer
// or the compiler arguments changed; a build writes to a temporary file and renames it into place, so
// test files running in parallel processes never load a half-written library.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type DelegatePluginName = 'noop' | 'create_fails' | 'prepare_fails' | 'int8_fc';

export interface BuildCProgramOptions {
  /** Link against libtensorflowlite_c from tfjs-tflite-node (with an rpath to its directory). */
  linkTflite?: boolean;
}

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where the plugin sources live. */
export const delegateFixturesDir = path.join(projectRoot, 'test', 'fixtures', 'delegates');

/** Where built plugins are cached. */
export const pluginCacheDir = path.join(projectRoot, '.cache', 'test-plugins');

/**
 * The C compiler the tests use: $CC as make reads it (a program followed by leading arguments, split on
 * whitespace, e.g. "ccache gcc"), or gcc. A cross compiler here builds fixtures for the architecture the
 * tests run on (scripts/arm64-test.sh sets CC=aarch64-linux-gnu-gcc).
 */
export function cCompiler(env: NodeJS.ProcessEnv = process.env): { program: string; args: string[] } {
  const words = (env['CC'] ?? '').trim().split(/\s+/).filter((word) => word !== '');
  const [program, ...args] = words.length > 0 ? words : ['gcc'];
  return { program: program!, args };
}

const COMPILER = cCompiler();
const COMPILER_NAME = [COMPILER.program, ...COMPILER.args].join(' ');

function tfliteNodeDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('tfjs-tflite-node/package.json'));
}

/** The TFLite 2.9 C API headers shipped with tfjs-tflite-node (contains tensorflow/lite/c/c_api.h). */
export function tfliteIncludeDir(): string {
  return path.join(tfliteNodeDir(), 'cc_deps', 'include');
}

function tflitePlatformDir(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return `${process.platform}_${arch}`;
}

/** The directory holding libtensorflowlite_c for this platform. */
export function tfliteLibraryDir(): string {
  const dir = path.join(tfliteNodeDir(), 'cc_deps', tflitePlatformDir());
  if (!existsSync(dir)) {
    throw new Error(`tfjs-tflite-node ships no TensorFlow Lite C library for ${tflitePlatformDir()} (looked in ${dir})`);
  }
  return dir;
}

/** Absolute path of libtensorflowlite_c for this platform. */
export function tfliteLibraryPath(): string {
  const name = process.platform === 'darwin' ? 'libtensorflowlite_c.dylib' : 'libtensorflowlite_c.so';
  return path.join(tfliteLibraryDir(), name);
}

interface ExecFailure extends Error {
  code?: string | number | null;
  stderr?: string;
}

function runCompiler(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(COMPILER.program, [...COMPILER.args, ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve();
        return;
      }
      const failure: ExecFailure = error;
      if (failure.code === 'ENOENT') {
        reject(
          new Error(
            `${COMPILER.program} was not found on PATH: the delegate plugin and C harness tests compile C fixtures ` +
              `and need a C compiler (e.g. apt-get install gcc, or set CC)`,
          ),
        );
        return;
      }
      const output = String(stderr).trim();
      reject(new Error(`${COMPILER_NAME} ${args.join(' ')} failed (exit ${String(failure.code)})${output ? `:\n${output}` : ''}`));
    });
  });
}

async function mtimeMs(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The sources plus every .h file in their directories (the shared plugin header, for instance). */
async function inputsOf(sources: readonly string[]): Promise<string[]> {
  const inputs = new Set<string>(sources);
  for (const dir of new Set(sources.map((source) => path.dirname(source)))) {
    for (const entry of await readdir(dir)) {
      if (entry.endsWith('.h')) inputs.add(path.join(dir, entry));
    }
  }
  return [...inputs];
}

async function isUpToDate(out: string, inputs: readonly string[], signature: string): Promise<boolean> {
  const built = await mtimeMs(out);
  if (built === undefined) return false;
  try {
    if ((await readFile(`${out}.args`, 'utf8')) !== signature) return false;
  } catch {
    return false;
  }
  for (const input of inputs) {
    const changed = await mtimeMs(input);
    if (changed === undefined) throw new Error(`C source not found: ${input}`);
    if (changed > built) return false;
  }
  return true;
}

const builds = new Map<string, Promise<string>>();

// Builds `out` from `sources` with `flags` unless the cached output is current. Returns the absolute path.
function build(sources: readonly string[], out: string, flags: (tmp: string) => string[]): Promise<string> {
  const target = path.resolve(out);
  const pending = builds.get(target);
  if (pending !== undefined) return pending;
  const promise = (async () => {
    const absoluteSources = sources.map((source) => path.resolve(source));
    for (const source of absoluteSources) {
      if ((await mtimeMs(source)) === undefined) throw new Error(`C source not found: ${source}`);
    }
    const signature = JSON.stringify([COMPILER.program, ...COMPILER.args, ...flags('<out>')]);
    if (await isUpToDate(target, await inputsOf(absoluteSources), signature)) return target;
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await runCompiler(flags(tmp));
      await writeFile(`${target}.args`, signature);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    return target;
  })();
  builds.set(target, promise);
  // A failed build may be retried (after the source is fixed, or gcc installed).
  promise.catch(() => builds.delete(target));
  return promise;
}

/**
 * Compiles test/fixtures/delegates/<name>_delegate.c into a shared library in .cache/test-plugins/
 * (reusing the cached one when it is newer than the .c file and the headers beside it) and returns
 * its absolute path. The plugin exports tflite_plugin_create_delegate / tflite_plugin_destroy_delegate.
 */
export function buildDelegatePlugin(name: DelegatePluginName): Promise<string> {
  const source = path.join(delegateFixturesDir, `${name}_delegate.c`);
  const extension = process.platform === 'darwin' ? 'dylib' : 'so';
  const out = path.join(pluginCacheDir, `lib${name}_delegate.${extension}`);
  const include = tfliteIncludeDir();
  return build([source], out, (tmp) => [
    '-shared',
    '-fPIC',
    '-O2',
    '-Wall',
    '-Wextra',
    '-fvisibility=hidden',
    '-I',
    include,
    '-o',
    tmp,
    source,
    '-lm',
  ]);
}

/**
 * Compiles and links the C sources into the executable `out` (absolute, or relative to the current
 * directory), with the TFLite C headers on the include path; with linkTflite, also links
 * libtensorflowlite_c with an rpath to it. Rebuilds only when a source, or a header beside one, is
 * newer than `out`. Returns the absolute path of `out`.
 */
export function buildCProgram(sources: string[], out: string, extra?: BuildCProgramOptions): Promise<string> {
  if (sources.length === 0) return Promise.reject(new Error('buildCProgram needs at least one source file'));
  const include = tfliteIncludeDir();
  const absoluteSources = sources.map((source) => path.resolve(source));
  const link: string[] = [];
  if (extra?.linkTflite === true) {
    const libDir = tfliteLibraryDir();
    link.push('-L', libDir, '-ltensorflowlite_c', `-Wl,-rpath,${libDir}`);
  }
  return build(absoluteSources, out, (tmp) => [
    '-O2',
    '-Wall',
    '-Wextra',
    '-I',
    include,
    '-o',
    tmp,
    ...absoluteSources,
    ...link,
    '-ldl',
    '-lm',
  ]);
}

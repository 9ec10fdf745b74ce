/**
 * Finding and loading the TensorFlow Lite C library.
 * Order: an explicit path (CLI flag / YAML runtime.library), the EDGEPIPE_TFLITE_LIBRARY environment variable,
 * then the library shipped in the npm package tfjs-tflite-node for this platform: in an installed package, the copy
 * that `npm pack` put in its tflite/ folder (scripts/vendor-tflite.mjs; tfjs-tflite-node is then not installed),
 * in a checkout node_modules/tfjs-tflite-node itself.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { EdgepipeError } from './errors.js';
import { packageRoot } from './paths.js';
import { isNativeError, nativeAddon } from './native.js';

export type LibrarySource = 'option' | 'env' | 'tfjs-tflite-node';

export interface TfliteLibrary {
  path: string;
  version: string;
  source: LibrarySource;
  hasXnnpack: boolean;
}

const bundledDirs: Partial<Record<string, string>> = {
  'linux-x64': 'linux_amd64',
  'linux-arm64': 'linux_arm64',
};

/** tfjs-tflite-node's libtensorflowlite_c.so for this platform (the package's copy first), or an error naming what exists. */
export function bundledLibraryPath(): string {
  const key = `${process.platform}-${process.arch}`;
  const dir = bundledDirs[key];
  if (!dir) {
    throw new EdgepipeError(
      'ERR_TFLITE_PLATFORM',
      `tfjs-tflite-node ships TensorFlow Lite for linux-x64 and linux-arm64 only, not ${key}. ` +
        `Set EDGEPIPE_TFLITE_LIBRARY or runtime.library to a libtensorflowlite_c.so built for this board.`,
    );
  }
  const packed = path.join(packageRoot(), 'tflite', key, 'libtensorflowlite_c.so');
  if (existsSync(packed)) return packed;
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('tfjs-tflite-node/package.json');
  } catch {
    // Neither a packed package's copy nor a checkout's dev dependency: report the path a packed package would have.
    return packed;
  }
  return path.join(path.dirname(pkg), 'cc_deps', dir, 'libtensorflowlite_c.so');
}

/** Which library would be used, without loading it. */
export function resolveLibraryPath(explicit?: string): { path: string; source: LibrarySource } {
  if (explicit) return { path: path.resolve(explicit), source: 'option' };
  const fromEnv = process.env['EDGEPIPE_TFLITE_LIBRARY'];
  if (fromEnv) return { path: path.resolve(fromEnv), source: 'env' };
  return { path: bundledLibraryPath(), source: 'tfjs-tflite-node' };
}

let loaded: TfliteLibrary | undefined;

/** What this machine is, for load errors: the bundled TFLite needs glibc >= 2.29 on x64 and >= 2.27 on arm64. */
function platformText(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const glibc = header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'no glibc (musl?)';
  return `${process.platform}-${process.arch}, ${glibc}; the library in tfjs-tflite-node needs glibc >= 2.29 on x64, >= 2.27 on arm64`;
}

/**
 * Loads TensorFlow Lite once per process (idempotent for the same path). A second, different path is an error:
 * one process holds one TFLite runtime.
 */
export function loadTflite(explicit?: string): TfliteLibrary {
  const { path: libraryPath, source } = resolveLibraryPath(explicit);
  if (loaded && loaded.path === libraryPath) return loaded;
  const origin = source === 'option' ? 'runtime.library' : source === 'env' ? 'EDGEPIPE_TFLITE_LIBRARY' : 'tfjs-tflite-node';
  if (!existsSync(libraryPath)) {
    throw new EdgepipeError('ERR_TFLITE_LOAD', `TensorFlow Lite library not found: ${libraryPath} (from ${origin})`, {
      exitCode: source === 'tfjs-tflite-node' ? 1 : 2,
    });
  }
  try {
    const info = nativeAddon().loadLibrary(libraryPath);
    loaded = { ...info, source };
    return loaded;
  } catch (error) {
    if (isNativeError(error)) {
      const hint = error.message.includes('lacks the symbol') ? '' : ` [${platformText()}]`;
      throw new EdgepipeError(error.code, `${error.message} (library chosen by ${origin})${hint}`, { cause: error });
    }
    throw error;
  }
}

/** The loaded library, or undefined before loadTflite(). */
export function loadedTflite(): TfliteLibrary | undefined {
  return loaded;
}

/**
 * The typed face of the native addon (src/native). Options reaching it are validated and fully defaulted here in
 * TypeScript: the C++ side trusts them.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { EdgepipeError } from './errors.js';
import { packageRoot } from './paths.js';
import type { TensorInfo } from './tensor.js';

export interface NativeDelegateUsage {
  nodes: number;
  partitions: number;
  totalNodes: number;
}

export type NativeDelegateSpec =
  | { kind: 'xnnpack'; name: string; threads: number; flags: number }
  | { kind: 'plugin'; name: string; library: string; options: Array<[string, string]> };

export interface NativeCreateOptions {
  threads: number;
  /** Largest byte size an input or output may need; checked before allocation. 0 disables the check. */
  maxTensorBytes: number;
  delegate?: NativeDelegateSpec;
}

export interface NativeModel {
  readonly __brand: 'NativeModel';
}

export interface NativeInterpreter {
  inputs(): TensorInfo[];
  outputs(): TensorInfo[];
  inputBuffer(index: number): ArrayBuffer;
  outputBuffer(index: number): ArrayBuffer;
  invoke(): Promise<void>;
  delegateUsage(): NativeDelegateUsage | null;
  errorLog(): string;
  dispose(): void;
}

export interface NativeAddon {
  loadLibrary(path: string): { path: string; version: string; hasXnnpack: boolean };
  createInterpreter(model: NativeModel, options: NativeCreateOptions): Promise<NativeInterpreter>;
  Model: new (bytes: Uint8Array) => NativeModel;
  /** One datagram to a unix socket ('@' = abstract namespace), sent from this process: sd_notify. */
  notifySocket(path: string, message: string): void;
  /** An unconnected unix datagram socket (close-on-exec) kept for the process's life; returns its fd. */
  notifyOpen(): number;
  /** One datagram on a socket from notifyOpen(), without blocking and without a new descriptor. */
  notifySend(fd: number, path: string, message: string): void;
  notifyClose(fd: number): void;
}

/** Errors thrown by the addon carry a stable code; CreateInterpreter failures also carry TFLite's log. */
export interface NativeError extends Error {
  code: string;
  log?: string;
}

export function isNativeError(error: unknown): error is NativeError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

let cached: NativeAddon | undefined;

/** node-gyp-build's loader (CommonJS): `path(dir)` names the addon file it would load, or throws. */
interface GypBuildLoader {
  path(dir: string): string;
}

/** What this machine is, for load errors: platform, architecture and C library (prebuilds need glibc >= 2.28). */
export function machineText(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const libc = header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'no glibc (musl?)';
  return `${process.platform}-${process.arch}, ${libc}, Node ${process.version}`;
}

/**
 * Loads the addon once, through node-gyp-build (the loader native packages share): a board's own build
 * (build/Release, from `npm run build:addon`) first, else the prebuilt binary shipped in
 * prebuilds/<platform>-<arch>/ (linux-x64, linux-arm64; glibc >= 2.28). Explains what is missing and how to fix it.
 */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const projectRoot = packageRoot();
  const require = createRequire(import.meta.url);
  // node-gyp-build's own override: EDGEPIPE_PREBUILD names another folder holding build/Release or prebuilds/.
  const searched = process.env['EDGEPIPE_PREBUILD'] || projectRoot;
  let found: string;
  try {
    found = (require('node-gyp-build') as GypBuildLoader).path(projectRoot);
  } catch (error) {
    const tried = ['build/Release', 'build/Debug', `prebuilds/${process.platform}-${process.arch}`].map((p) => path.join(searched, p));
    throw new EdgepipeError(
      'ERR_ADDON_MISSING',
      `The edgepipe native addon is neither built nor prebuilt for ${machineText()} (looked in ${tried.join(', ')}; ` +
        `prebuilt binaries ship for linux-x64 and linux-arm64 with glibc >= 2.28). Build it from source with ` +
        `"npm run build:addon" in ${projectRoot}; it needs python3, make and g++ (Debian: apt-get install -y python3 make g++).`,
      { cause: error },
    );
  }
  try {
    cached = require(found) as NativeAddon;
  } catch (error) {
    const prebuilt = path.relative(projectRoot, found).startsWith('prebuilds');
    throw new EdgepipeError(
      'ERR_ADDON_LOAD',
      `Cannot load the edgepipe native addon ${found} on ${machineText()}: ${(error as Error).message}. ` +
        (prebuilt
          ? `The prebuilt binary needs glibc >= 2.28; build one for this machine with "npm run build:addon" in ${projectRoot} (python3, make, g++).`
          : `Rebuild it for this Node with "npm run build:addon" in ${projectRoot}, or delete ${path.dirname(found)} to use the prebuilt binary.`),
      { cause: error },
    );
  }
  return cached;
}

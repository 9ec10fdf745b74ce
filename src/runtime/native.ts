/**
 * The typed face of the native addon (src/native). Options reaching it are validated and fully defaulted here in
 * TypeScript: the C++ side trusts them.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
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

/** Loads build/Release/edgepipe_tflite.node once, or explains what is missing and how to fix it. */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const projectRoot = packageRoot();
  const candidates = ['build/Release/edgepipe_tflite.node', 'build/Debug/edgepipe_tflite.node'].map((p) =>
    path.join(projectRoot, p),
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new EdgepipeError(
      'ERR_ADDON_MISSING',
      `The edgepipe native addon is not built (looked for ${candidates.join(', ')}). ` +
        `Run "npm ci" (or "npm run install") in ${projectRoot}; it needs python3, make and g++ ` +
        `(Debian: apt-get install -y python3 make g++).`,
    );
  }
  try {
    cached = createRequire(import.meta.url)(found) as NativeAddon;
  } catch (error) {
    throw new EdgepipeError(
      'ERR_ADDON_LOAD',
      `Cannot load the edgepipe native addon ${found} on ${process.platform}-${process.arch} with Node ${process.version}: ` +
        `${(error as Error).message}. Rebuild it for this Node with "npm rebuild edgepipe" or "npm run install".`,
      { cause: error },
    );
  }
  return cached;
}

import { open, stat, type FileHandle } from 'node:fs/promises';
import { EdgepipeError, describeValue } from './errors.js';
import { loadTflite } from './library.js';
import { isNativeError, nativeAddon, type NativeModel } from './native.js';
import { readModel } from '../tflite/reader.js';
import { TfliteFormatError } from '../tflite/errors.js';
import { MODEL_FILE_IDENTIFIER } from '../tflite/schema.js';
import type { TfliteModelInfo } from '../tflite/types.js';

/**
 * Largest model file read: the model probe's child runs under a 1 GiB data limit by default (src/runtime/probe.ts),
 * and a flatbuffer cannot exceed 2 GiB, so a bigger file would only be read whole to be refused.
 */
export const MAX_MODEL_BYTES = 1024 ** 3;

/** Refusals by path, kept while the file is unchanged (device, inode, size, mtime): a retry does not re-read it. */
const refusals = new Map<string, { identity: string; error: EdgepipeError }>();
const MAX_REFUSALS = 64;
/** The file identity each buffer was read from, so a later refusal of those bytes can be remembered. */
const origins = new WeakMap<Uint8Array, { file: string; identity: string }>();

function remember(file: string, identity: string, error: EdgepipeError): EdgepipeError {
  refusals.delete(file);
  if (refusals.size >= MAX_REFUSALS) refusals.delete(refusals.keys().next().value!);
  refusals.set(file, { identity, error });
  return error;
}

/**
 * Remembers that `bytes` (from readModelFile) were refused with `error` (the probe's verdict): until the file
 * changes, readModelFile throws that error again without reading it.
 */
export function rememberModelRefusal(bytes: Uint8Array, error: EdgepipeError): void {
  const origin = origins.get(bytes);
  if (origin) remember(origin.file, origin.identity, error);
}

function sizeText(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/**
 * Reads a model file; missing, directory, empty, oversized files and files without the "TFL3" identifier are
 * user errors (exit code 2) naming the file. The size and the first 8 bytes are checked before the whole file is
 * read, and a refused file is not read again while it is unchanged.
 */
export async function readModelFile(file: string): Promise<Buffer> {
  let handle: FileHandle | undefined;
  try {
    // stat before open: opening a FIFO or a device for reading can block a thread-pool thread indefinitely.
    const stats = await stat(file);
    const identity = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    const known = refusals.get(file);
    if (known && known.identity === identity) throw known.error;
    const refuse = (code: string, message: string): EdgepipeError => remember(file, identity, new EdgepipeError(code, `${file}: ${message}`, { exitCode: 2 }));
    if (stats.isDirectory()) throw refuse('ERR_MODEL_FILE', 'cannot read model: is a directory');
    if (!stats.isFile()) throw refuse('ERR_MODEL_FILE', 'cannot read model: not a regular file');
    if (stats.size === 0) throw refuse('ERR_MODEL_FILE', 'the model file is empty');
    if (stats.size > MAX_MODEL_BYTES) {
      throw refuse('ERR_MODEL_FILE', `the model file is ${sizeText(stats.size)} (${stats.size} bytes); edgepipe loads models of at most ${sizeText(MAX_MODEL_BYTES)}`);
    }
    handle = await open(file, 'r');
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    if (bytesRead < 8 || head.toString('latin1', 4, 8) !== MODEL_FILE_IDENTIFIER) {
      throw refuse('ERR_MODEL_FORMAT', `not a TensorFlow Lite model (no "TFL3" identifier at bytes 4-7; ${stats.size} bytes)`);
    }
    const bytes = await handle.readFile();
    origins.set(bytes, { file, identity });
    return bytes;
  } catch (error) {
    if (error instanceof EdgepipeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new EdgepipeError('ERR_MODEL_FILE', `${file}: cannot read model: ${why}`, { exitCode: 2, cause: error });
  } finally {
    await handle?.close();
  }
}

/** A model file loaded into TensorFlow Lite (flatbuffer-verified). One Model can serve many interpreters. */
export class Model {
  /** The file path, or the name given to fromBuffer; used in every error about this model. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** @internal */
  readonly native: NativeModel;

  private parsed: TfliteModelInfo | undefined;

  private constructor(name: string, bytes: Uint8Array, native: NativeModel) {
    this.name = name;
    this.bytes = bytes;
    this.native = native;
  }

  /** The model as edgepipe's own reader sees it: operators, custom ops, metadata (labels, normalisation). */
  get info(): TfliteModelInfo {
    if (!this.parsed) {
      try {
        this.parsed = readModel(this.bytes, this.name);
      } catch (error) {
        // TFLite's verifier accepted the file, so this is a reader limitation; surface it as a model error.
        if (error instanceof TfliteFormatError) throw new EdgepipeError('ERR_MODEL_FORMAT', error.message, { exitCode: 2 });
        throw error;
      }
    }
    return this.parsed;
  }

  /** Reads and verifies a .tflite file. Errors name the file and the cause (exit code 2: bad user input). */
  static async fromFile(file: string, options: { library?: string } = {}): Promise<Model> {
    return Model.fromBuffer(await readModelFile(file), file, options);
  }

  /** Verifies model bytes already in memory; `name` appears in errors. The bytes are copied by the addon. */
  static fromBuffer(bytes: Uint8Array, name = 'model', options: { library?: string } = {}): Model {
    if (!(bytes instanceof Uint8Array)) {
      throw new EdgepipeError('ERR_MODEL_FILE', `${name}: expected the model as a Uint8Array but received ${describeValue(bytes)}`, {
        exitCode: 2,
      });
    }
    if (bytes.byteLength === 0) {
      throw new EdgepipeError('ERR_MODEL_FILE', `${name}: the model file is empty`, { exitCode: 2 });
    }
    if (bytes.byteLength < 8 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'TFL3') {
      throw new EdgepipeError(
        'ERR_MODEL_FORMAT',
        `${name}: not a TensorFlow Lite model (no "TFL3" identifier at bytes 4-7; ${bytes.byteLength} bytes)`,
        { exitCode: 2 },
      );
    }
    loadTflite(options.library);
    try {
      return new Model(name, bytes, new (nativeAddon().Model)(bytes));
    } catch (error) {
      if (isNativeError(error)) {
        throw new EdgepipeError('ERR_MODEL_FORMAT', `${name}: ${error.message}`, { exitCode: 2, cause: error });
      }
      throw error;
    }
  }
}

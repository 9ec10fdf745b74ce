import { readFile } from 'node:fs/promises';
import { EdgepipeError, describeValue } from './errors.js';
import { loadTflite } from './library.js';
import { isNativeError, nativeAddon, type NativeModel } from './native.js';
import { readModel } from '../tflite/reader.js';
import { TfliteFormatError } from '../tflite/errors.js';
import type { TfliteModelInfo } from '../tflite/types.js';

/** Reads a model file; missing, directory and empty files are user errors (exit code 2) naming the file. */
export async function readModelFile(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new EdgepipeError('ERR_MODEL_FILE', `${file}: cannot read model: ${why}`, { exitCode: 2, cause: error });
  }
  if (bytes.byteLength === 0) throw new EdgepipeError('ERR_MODEL_FILE', `${file}: the model file is empty`, { exitCode: 2 });
  return bytes;
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

// Compiles test/tflite/harness/run_model.c against the TFLite C library shipped in
// node_modules/tfjs-tflite-node and runs models through it, so written models are checked
// against the real runtime independently of the project's native addon.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cCompiler, tfliteIncludeDir, tfliteLibraryDir } from '../helpers/build-c.js';

const SOURCE = fileURLToPath(new URL('./harness/run_model.c', import.meta.url));

/** TfLiteType codes of the C API (c_api_types.h), which differ from the schema's TensorType codes. */
export const TfliteType = { float32: 1, int32: 2, uint8: 3, int64: 4, bool: 6, int16: 7, int8: 9 } as const;

export interface HarnessTensor {
  readonly index: number;
  /** TfLiteType code. */
  readonly type: number;
  readonly shape: readonly number[];
  /** Raw little-endian contents (empty for inputs). */
  readonly bytes: Uint8Array;
}

export interface HarnessRun {
  readonly status: number;
  readonly stderr: string;
  readonly inputs: readonly HarnessTensor[];
  readonly outputs: readonly HarnessTensor[];
}

/** Why the harness cannot be built here, or undefined when the C compiler ($CC) and the library are present. */
export function harnessUnavailableReason(): string | undefined {
  // tfjs-tflite-node ships the C library for linux x64 (linux_amd64) and arm64 (linux_arm64).
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    return `tfjs-tflite-node ships the TFLite C library for linux x64 and arm64 only (this is ${process.platform} ${process.arch})`;
  }
  let libDir: string;
  try {
    libDir = tfliteLibraryDir();
  } catch (error) {
    return (error as Error).message;
  }
  if (!existsSync(join(libDir, 'libtensorflowlite_c.so'))) return `libtensorflowlite_c.so not found in ${libDir}`;
  const cc = cCompiler();
  try {
    execFileSync(cc.program, [...cc.args, '--version'], { stdio: 'ignore' });
  } catch {
    return `the C compiler ${cc.program} (from $CC, default gcc) was not found on PATH`;
  }
  return undefined;
}

/** A compiled run_model binary in a private temp directory; call dispose() to remove it. */
export class TfliteHarness {
  private constructor(private readonly dir: string, private readonly binary: string) {}

  static compile(): TfliteHarness {
    const dir = mkdtempSync(join(tmpdir(), 'edgepipe-tflite-harness-'));
    const binary = join(dir, 'run_model');
    const libDir = tfliteLibraryDir();
    const cc = cCompiler();
    execFileSync(cc.program, [
      ...cc.args, '-std=c11', '-O1', '-Wall', '-Wextra', SOURCE, '-o', binary,
      `-I${tfliteIncludeDir()}`, `-L${libDir}`, '-ltensorflowlite_c', `-Wl,-rpath,${libDir}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new TfliteHarness(dir, binary);
  }

  /** Runs `model` once with the given raw inputs (one typed array per input tensor). */
  run(model: Uint8Array, inputs: readonly ArrayBufferView[] = [], threads = 1): HarnessRun {
    const modelPath = join(this.dir, 'model.tflite');
    writeFileSync(modelPath, model);
    const inputPaths = inputs.map((input, i) => {
      const path = join(this.dir, `input${i}.bin`);
      writeFileSync(path, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
      return path;
    });
    const result = spawnSync(this.binary, ['--threads', String(threads), modelPath, ...inputPaths], { encoding: 'utf8', timeout: 30_000 });
    if (result.error !== undefined) throw result.error;
    const tensors = (kind: string): HarnessTensor[] =>
      result.stdout.split('\n').filter((l) => l.startsWith(`${kind} `)).map((line) => {
        const [, index, type, dims, hex] = line.split(' ');
        return {
          index: Number(index),
          type: Number(type),
          shape: dims === '-' || dims === undefined ? [] : dims.split(',').map(Number),
          bytes: hex === '-' || hex === undefined ? new Uint8Array(0) : Uint8Array.from(Buffer.from(hex, 'hex')),
        };
      });
    return { status: result.status ?? -1, stderr: result.stderr, inputs: tensors('input'), outputs: tensors('output') };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The bytes of a harness output reinterpreted as the typed array `ctor` (copies, so alignment is safe). */
export function outputAs<T>(tensor: HarnessTensor | undefined, ctor: { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T {
  if (tensor === undefined) throw new Error('missing output tensor');
  return new ctor(tensor.bytes.slice().buffer);
}

/**
 * readModelFile checks the size and the "TFL3" identifier before reading a model whole, and a refused file is not
 * read again while it is unchanged. What the process read is measured with /proc/self/io `rchar` (bytes returned
 * by read(2) in this process, page cache included), so "not read whole" is observed, not assumed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, open, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MODEL_BYTES, readModelFile } from '../../src/runtime/model.js';
import { loadVerifiedModel, probeChildPath } from '../../src/runtime/probe.js';
import { int8FullyConnected } from '../helpers/models.js';

const haveIo = existsSync('/proc/self/io');
const rchar = (): number => Number(/^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

/** Bytes read by this process while `action` runs. */
async function bytesRead(action: () => Promise<unknown>): Promise<number> {
  const before = rchar();
  await action().catch(() => undefined);
  return rchar() - before;
}

let dir: string;
beforeAll(async () => {
  probeChildPath();
  dir = await mkdtemp(path.join(os.tmpdir(), 'edgepipe-model-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A sparse file of `size` bytes (no disk used) starting with `head`. */
async function sparse(name: string, size: number, head?: Buffer): Promise<string> {
  const file = path.join(dir, name);
  execFileSync('truncate', ['-s', String(size), file]);
  if (head) {
    const handle = await open(file, 'r+');
    await handle.write(head, 0, head.length, 0);
    await handle.close();
  }
  return file;
}

const twoGiBMinusOne = 2 ** 31 - 1;

describe.skipIf(!haveIo)('readModelFile', () => {
  it('refuses a 2 GiB - 1 file with a TFL3 header by its size, without reading it', async () => {
    const file = await sparse('huge.tflite', twoGiBMinusOne, Buffer.from('\x1c\0\0\0TFL3', 'latin1'));
    const started = performance.now();
    const read = await bytesRead(async () => {
      await expect(readModelFile(file)).rejects.toMatchObject({
        code: 'ERR_MODEL_FILE',
        exitCode: 2,
        message: `${file}: the model file is 2.0 GiB (${twoGiBMinusOne} bytes); edgepipe loads models of at most 1.0 GiB`,
      });
    });
    expect(read).toBeLessThan(1024 * 1024);
    // A stat and no read: before this check, reading the sparse file whole took 40 s and 2.1 GB on the 2-core test machine.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(MAX_MODEL_BYTES).toBe(1024 ** 3);
  });

  it('refuses a 512 MiB file without the identifier after reading 8 bytes', async () => {
    const file = await sparse('zeros.tflite', 512 * 1024 ** 2);
    const read = await bytesRead(async () => {
      await expect(readModelFile(file)).rejects.toMatchObject({
        code: 'ERR_MODEL_FORMAT',
        message: `${file}: not a TensorFlow Lite model (no "TFL3" identifier at bytes 4-7; ${512 * 1024 ** 2} bytes)`,
      });
    });
    expect(read).toBeLessThan(1024 * 1024);
  });

  it('refuses a FIFO and other non-regular files without opening them', async () => {
    const fifo = path.join(dir, 'pipe.tflite');
    execFileSync('mkfifo', [fifo]);
    await expect(readModelFile(fifo)).rejects.toThrow(`${fifo}: cannot read model: not a regular file`);
    await expect(readModelFile(dir)).rejects.toThrow(`${dir}: cannot read model: is a directory`);
  });

  it('does not re-read a model the probe rejected until the file changes', async () => {
    // The TFL3 identifier, then garbage: TFLite's verifier rejects it (in the probe child).
    const good = int8FullyConnected({ inputSize: 8, outputSize: 4, seed: 5 }).bytes;
    const bytes = Buffer.concat([Buffer.from(good.subarray(0, 200)), Buffer.alloc(4 * 1024 * 1024, 0x41)]);
    const file = path.join(dir, 'cut.tflite');
    await writeFile(file, bytes);
    const cacheDir = path.join(dir, 'cache');
    const first = await loadVerifiedModel(file, { cacheDir }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(first).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: TensorFlow Lite rejected the model`));
    let second: string | undefined;
    const read = await bytesRead(() => loadVerifiedModel(file, { cacheDir }).catch((error: Error) => (second = error.message)));
    expect(second).toBe(first);
    expect(read).toBeLessThan(bytes.length / 2);
    // Touched: read (and probed, from its disk cache) again.
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    const again = await bytesRead(() => loadVerifiedModel(file, { cacheDir }));
    expect(again).toBeGreaterThanOrEqual(bytes.length);
  });
});

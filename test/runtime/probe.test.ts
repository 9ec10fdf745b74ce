// The model probe with the real TFLite library and real child processes: passes, rejections, crashes, the size
// check, the memory cap, the time limit and the verdict cache. Needs dist/ (npm test builds it first).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgepipeError } from '../../src/runtime/errors.js';
import { Interpreter } from '../../src/runtime/interpreter.js';
import { resolveLibraryPath } from '../../src/runtime/library.js';
import {
  DEFAULT_PROBE_MAX_TENSOR_BYTES,
  defaultProbeCacheDir,
  loadVerifiedModel,
  probeCacheFile,
  probeChildPath,
  probeMemoryCap,
  probeModel,
  type ProbeVerdict,
} from '../../src/runtime/probe.js';
import { modelLayout, withInt32 } from '../helpers/corrupt.js';
import { customOpModel, int8FullyConnected } from '../helpers/models.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { emulation, needsRealHardware } from '../helpers/emulation.js';

let scratch: string;
let caches = 0;
/** A fresh cache directory, so one test's verdicts never answer another's. */
const freshCache = (): string => path.join(scratch, `cache-${++caches}`);

beforeAll(async () => {
  probeChildPath(); // fails early, saying "npm run build", when dist/ is missing
  scratch = await mkdtemp(path.join(os.tmpdir(), 'edgepipe-probe-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const fc = int8FullyConnected({ inputSize: 8, outputSize: 4, seed: 11 });
const fcLayout = modelLayout(fc.bytes);

function failure(verdict: ProbeVerdict): Extract<ProbeVerdict, { ok: false }> {
  if (verdict.ok) throw new Error(`expected a failed verdict but the probe passed: ${JSON.stringify(verdict)}`);
  return verdict;
}

describe('probeModel on models the project writes', () => {
  it('passes a good model, then answers from the cache without starting a child', async () => {
    const cacheDir = freshCache();
    const first = await probeModel(fc.bytes, { name: 'fc.tflite', cacheDir });
    expect(first).toMatchObject({ ok: true, cached: false });
    if (!first.ok) return;
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.library.version).toMatch(/^2\.9/);
    expect(first.inputs).toMatchObject([{ dtype: 'int8', shape: [1, 8], bytes: 8 }]);
    expect(first.outputs).toMatchObject([{ dtype: 'int8', shape: [1, 4], bytes: 4 }]);
    expect(first.invokeMs).toBeGreaterThanOrEqual(0);

    const file = probeCacheFile(cacheDir, first.sha256, resolveLibraryPath().path, DEFAULT_PROBE_MAX_TENSOR_BYTES);
    expect(existsSync(file)).toBe(true);
    const second = await probeModel(fc.bytes, { name: 'fc.tflite', cacheDir });
    expect(second).toEqual({ ...first, cached: true });
  });

  it('names the unresolved custom op', async () => {
    const verdict = failure(await probeModel(customOpModel('edgepipe-probe-op').bytes, { name: 'custom.tflite', cacheDir: freshCache() }));
    expect(verdict.kind).toBe('rejected');
    expect(verdict.reason).toContain('Encountered unresolved custom op: edgepipe-probe-op');
  });

  it('refuses a dimension corrupted to 2^28 with the size check, before any allocation', async () => {
    const bytes = withInt32(fc.bytes, fcLayout.tensorShapes[0]![1]!, 2 ** 28);
    const verdict = failure(await probeModel(bytes, { name: 'big.tflite', cacheDir: freshCache() }));
    expect(verdict.kind).toBe('rejected');
    expect(verdict.reason).toBe(
      'tensor size check failed: input 0 (input) would need 268435456 bytes, more than the limit of 134217728',
    );
  });

  it.skipIf(
    probeMemoryCap().mechanism === 'none' ||
      needsRealHardware('qemu-user maps the guest\'s memory itself, so the probe\'s RLIMIT_DATA caps qemu\'s own mappings, not the model\'s arena'),
  )('ends allocations above the memory limit as memory verdicts', async () => {
    // With the size check raised above 2^28 bytes the arena needs 384 MiB (256 MiB input, 128 MiB output).
    const bytes = withInt32(fc.bytes, fcLayout.tensorShapes[0]![1]!, 2 ** 28);
    const options = { name: 'big.tflite', maxTensorBytes: 2 ** 30 };
    // 256 MiB: AllocateTensors throws std::bad_alloc.
    const small = failure(await probeModel(bytes, { ...options, cacheDir: freshCache(), memoryLimitBytes: 256 * 2 ** 20 }));
    expect(small.kind).toBe('memory');
    expect(small.reason).toMatch(/^out of memory while creating the interpreter \(AllocateTensors\) \(probe limit 268435456 bytes\): /);
    // 512 MiB: the arena fits, an unchecked allocation in Invoke does not (SIGSEGV near the limit).
    const tight = failure(await probeModel(bytes, { ...options, cacheDir: freshCache(), memoryLimitBytes: 512 * 2 ** 20 }));
    expect(tight.kind).toBe('memory');
    expect(tight.reason).toMatch(/^out of memory while invoking the model \(probe limit 536870912 bytes, \d+ in use\): the process died with SIGSEGV$/);
  });

  // TFLite returns null tensors for a -1 index; the addon refuses them before anything dereferences one
  // (this crashed the probe with SIGSEGV until the addon checked).
  it('refuses a subgraph output index patched to -1 and remembers the verdict', async () => {
    const cacheDir = freshCache();
    const bytes = withInt32(fc.bytes, fcLayout.subgraphOutputs[0]!, -1);
    const verdict = failure(await probeModel(bytes, { name: 'minus-one.tflite', cacheDir }));
    expect(verdict.kind).toBe('rejected');
    expect(verdict.reason).toBe('interpreter creation failed: subgraph output 0 does not name a valid tensor');
    expect(verdict.cached).toBe(false);
    expect(await probeModel(bytes, { name: 'minus-one.tflite', cacheDir })).toEqual({ ...verdict, cached: true });
  });

  it('kills a probe that runs past timeoutMs and does not cache the timeout', async () => {
    const cacheDir = freshCache();
    const verdict = failure(await probeModel(fc.bytes, { name: 'slow.tflite', cacheDir, timeoutMs: 1 }));
    expect(verdict).toMatchObject({ kind: 'timeout', reason: 'the probe did not finish within 1 ms and was killed' });
    expect(await probeModel(fc.bytes, { name: 'slow.tflite', cacheDir })).toMatchObject({ ok: true, cached: false });
  });

  it('states TFLite verifier text for garbage after the TFL3 identifier', async () => {
    const bytes = Uint8Array.from(fc.bytes.subarray(0, 200));
    const verdict = failure(await probeModel(bytes, { name: 'cut.tflite', cacheDir: freshCache() }));
    expect(verdict.kind).toBe('rejected');
    expect(verdict.reason).toMatch(/^TensorFlow Lite rejected the model \(flatbuffer verification failed\)/);
  });

  it('ignores a corrupt cache file and replaces it', async () => {
    const cacheDir = freshCache();
    const first = await probeModel(fc.bytes, { name: 'fc.tflite', cacheDir });
    const file = probeCacheFile(cacheDir, first.sha256, resolveLibraryPath().path, DEFAULT_PROBE_MAX_TENSOR_BYTES);
    await writeFile(file, '{"format":1,"verdict":{"ok":tru');
    const second = await probeModel(fc.bytes, { name: 'fc.tflite', cacheDir });
    expect(second).toMatchObject({ ok: true, cached: false });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ format: 1, verdict: { ok: true, sha256: first.sha256 } });
  });

  it('throws, and caches nothing, when the probe cannot run: a missing library is not a bad model', async () => {
    const cacheDir = freshCache();
    const library = path.join(scratch, 'no-such-libtensorflowlite_c.so');
    const error = await probeModel(fc.bytes, { name: 'fc.tflite', cacheDir, library }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgepipeError);
    expect(error).toMatchObject({
      code: 'ERR_TFLITE_LOAD',
      message: `fc.tflite: cannot probe the model: TensorFlow Lite library not found: ${library} (from runtime.library)`,
    });
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('keeps its cache under XDG_CACHE_HOME by default', () => {
    const saved = process.env['XDG_CACHE_HOME'];
    try {
      process.env['XDG_CACHE_HOME'] = '/var/cache/someone';
      expect(defaultProbeCacheDir()).toBe('/var/cache/someone/edgepipe/probe');
      delete process.env['XDG_CACHE_HOME'];
      expect(defaultProbeCacheDir()).toBe(path.join(os.homedir(), '.cache', 'edgepipe', 'probe'));
    } finally {
      if (saved === undefined) delete process.env['XDG_CACHE_HOME'];
      else process.env['XDG_CACHE_HOME'] = saved;
    }
  });

  it('validates its options with the option path and the received value', async () => {
    await expect(probeModel(fc.bytes, { name: 'fc.tflite', timeoutMs: 0 })).rejects.toThrow(
      'Expected an integer between 1 and 600000 for probe.timeoutMs but received 0',
    );
    await expect(probeModel(fc.bytes, { name: 'fc.tflite', memoryLimitBytes: 1024 })).rejects.toThrow(
      /^Expected an integer between 134217728 and \d+ for probe.memoryLimitBytes but received 1024$/,
    );
  });
});

describe('loadVerifiedModel', () => {
  it('loads a model that passed and runs it in this process', async () => {
    const file = path.join(scratch, 'good.tflite');
    await writeFile(file, fc.bytes);
    const model = await loadVerifiedModel(file, { cacheDir: freshCache() });
    expect(model.name).toBe(file);
    const interpreter = await Interpreter.create(model, { threads: 1 });
    const input = Int8Array.from({ length: 8 }, (_, i) => i * 9 - 30);
    interpreter.setInput(0, input);
    await interpreter.invoke();
    expect(Array.from(interpreter.output(0) as Int8Array)).toEqual(Array.from(fc.reference(input)));
    interpreter.dispose();
  });

  it('names the file when it is missing, a directory or empty', async () => {
    const missing = path.join(scratch, 'missing.tflite');
    const dir = path.join(scratch, 'a-directory.tflite');
    const empty = path.join(scratch, 'empty.tflite');
    await mkdir(dir, { recursive: true });
    await writeFile(empty, new Uint8Array());
    await expect(loadVerifiedModel(missing)).rejects.toThrow(`${missing}: cannot read model: no such file`);
    await expect(loadVerifiedModel(dir)).rejects.toThrow(`${dir}: cannot read model: is a directory`);
    await expect(loadVerifiedModel(empty)).rejects.toThrow(`${empty}: the model file is empty`);
  });

  it('refuses a file the probe rejects with ERR_MODEL_PROBE and exit code 2', async () => {
    const file = path.join(scratch, 'broken.tflite');
    await writeFile(file, withInt32(fc.bytes, fcLayout.subgraphOutputs[0]!, -1));
    const error = await loadVerifiedModel(file, { cacheDir: freshCache() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgepipeError);
    expect(error).toMatchObject({ code: 'ERR_MODEL_PROBE', exitCode: 2 });
    expect((error as Error).message).toBe(`${file}: interpreter creation failed: subgraph output 0 does not name a valid tensor`);
  });
});

describe.skipIf(!hasSharedModels)('probeModel on the shared models', () => {
  it('names fake-op-double in unresolved_custom_op.tflite', async () => {
    const file = sharedModel('unresolved_custom_op.tflite');
    const verdict = failure(await probeModel(await readFile(file), { name: file, cacheDir: freshCache() }));
    expect(verdict.kind).toBe('rejected');
    expect(verdict.reason).toContain('Encountered unresolved custom op: fake-op-double');
  });

  it('explains invalid_per_channel_quant.tflite', async () => {
    const file = sharedModel('invalid_per_channel_quant.tflite');
    const verdict = failure(await probeModel(await readFile(file), { name: file, cacheDir: freshCache() }));
    expect(verdict.kind).toBe('rejected');
    expect(verdict.reason).toMatch(/^interpreter creation failed: quantized_dimension must be in range \[0, 1\)\. Was 3\./);
    expect(verdict.reason).toContain('has invalid quantization parameters');
  });

  it('reports an emptied LSTM constant (null data in AllocateTensors) as a SIGSEGV crash', async () => {
    // keras_lstm_mnist_ptq: the UNIDIRECTIONAL_SEQUENCE_LSTM's forget-gate bias (input 13) pointed at the empty
    // buffer 0. The integer LSTM's Prepare reads it as constant data: SIGSEGV inside libtensorflowlite_c.so.
    const bytes = await readFile(sharedModel('keras_lstm_mnist_ptq.tflite'));
    const layout = modelLayout(bytes);
    const lstm = layout.operatorInputs.reduce((a, b) => (b.length > a.length ? b : a));
    const bias = bytes.readInt32LE(lstm[13]!);
    const verdict = failure(await probeModel(withInt32(bytes, layout.tensorBuffers[bias]!, 0), { name: 'lstm.tflite', cacheDir: freshCache() }));
    expect(verdict.kind).toBe('crashed');
    // Under qemu-user the emulator itself reports the guest's signal on stderr, which the verdict quotes.
    const qemu = emulation() === undefined ? '' : '; stderr: qemu: uncaught target signal 11 (Segmentation fault) - core dumped';
    expect(verdict.reason).toBe(
      `TensorFlow Lite crashed the probe process with SIGSEGV (segmentation fault) while creating the interpreter (AllocateTensors)${qemu}`,
    );
  });

  it('passes hello_world_int8.tflite', async () => {
    const file = sharedModel('hello_world_int8.tflite');
    expect(await probeModel(await readFile(file), { name: file, cacheDir: freshCache() })).toMatchObject({
      ok: true,
      inputs: [{ dtype: 'int8', shape: [1, 1] }],
      outputs: [{ dtype: 'int8', shape: [1, 1] }],
    });
  });
});

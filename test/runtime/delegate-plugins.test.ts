/**
 * The delegate chain against real external-delegate plugins written in C by the project
 * (test/fixtures/delegates): missing, failing to create, failing to prepare, taking nothing, and really
 * computing int8 FULLY_CONNECTED, including injected invoke failures and hangs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInterpreter, Model, type DelegateRequest } from '../../src/runtime/index.js';
import { builtinDelegatesDir, loadDelegateDescriptors, parseDelegateDescriptor, type DelegateDescriptor } from '../../src/runtime/delegates.js';
import { buildDelegatePlugin, type DelegatePluginName } from '../helpers/build-c.js';
import { int8ConvAvgPoolSoftmax, int8FullyConnected, randomInt8 } from '../helpers/models.js';
import { hasSharedModels, projectRoot, sharedModel } from '../helpers/shared-models.js';
import { emulation } from '../helpers/emulation.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'edgepipe-plugins-'));

/** The shipped descriptors plus one per test plugin, found in the plugin cache directory. */
async function descriptorsWith(...plugins: DelegatePluginName[]): Promise<Map<string, DelegateDescriptor>> {
  const descriptors = loadDelegateDescriptors([builtinDelegatesDir]);
  for (const plugin of plugins) {
    const library = await buildDelegatePlugin(plugin);
    const text = [
      'version: 1', `name: ${plugin}`, 'abi: plugin', 'library:', `  names: [${path.basename(library)}]`,
      '  search_paths:', `    ${process.arch}: [${path.dirname(library)}]`,
    ].join('\n');
    descriptors.set(plugin, parseDelegateDescriptor(`${plugin}.yaml`, text));
  }
  return descriptors;
}

const fc = int8FullyConnected({ inputSize: 32, outputSize: 8, seed: 21 });

describe('delegate chain with plugin delegates', () => {
  it('refuses a missing library, a failed creation, a failed preparation and a delegate that takes nothing, then runs on XNNPACK', async () => {
    const descriptors = await descriptorsWith('create_fails', 'prepare_fails', 'noop');
    const model = Model.fromBuffer(fc.bytes, 'fc.tflite');
    const result = await createInterpreter(model, {
      delegates: ['edgetpu', 'create_fails', 'prepare_fails', 'noop', 'xnnpack', 'cpu'],
      descriptors,
    });
    try {
      expect(result.delegate).toBe('xnnpack');
      expect(result.refused.map((r) => [r.delegate, r.stage])).toEqual([
        ['edgetpu', 'library'],
        ['create_fails', 'create'],
        ['prepare_fails', 'prepare'],
        ['noop', 'no-nodes'],
      ]);
      expect(result.refused[0]!.reason).toMatch(/^library libedgetpu\.so\.1 or libedgetpu\.so\.1\.0 not found in /);
      expect(result.refused[1]!.reason).toContain('no accelerator device found (test plugin: creation always fails)');
      expect(result.refused[2]!.reason).toContain('prepare_fails_delegate: Prepare failed on purpose');
      expect(result.refused[3]!.reason).toBe('took 0 of 1 nodes');
      const input = randomInt8(32, 5);
      result.interpreter.setInput(0, input);
      await result.interpreter.invoke();
      expect(Array.from(result.interpreter.output(0) as Int8Array)).toEqual(Array.from(fc.reference(input)));
    } finally {
      result.interpreter.dispose();
    }
  });

  it('reports an unknown plugin option as a creation failure naming the key', async () => {
    const descriptors = await descriptorsWith('int8_fc');
    const model = Model.fromBuffer(fc.bytes, 'fc.tflite');
    const result = await createInterpreter(model, { delegates: [{ name: 'int8_fc', options: { colour: 'blue' } }], descriptors });
    expect(result.delegate).toBe('cpu');
    expect(result.refused[0]).toMatchObject({ delegate: 'int8_fc', stage: 'create' });
    expect(result.refused[0]!.reason).toContain('colour');
    result.interpreter.dispose();
  });

  it('hands a delegate its compiled-graph cache location, keyed by the model\'s content hash', async () => {
    const descriptors = await descriptorsWith('int8_fc');
    const base = descriptors.get('int8_fc')!;
    // int8_fc refuses a bad value of its `rounding` option quoting the value: that makes the path it received visible.
    descriptors.set('int8_fc', { ...base, cache: { option: 'rounding', file: true, extraOptions: {} } });
    const model = Model.fromBuffer(fc.bytes, 'fc.tflite');
    const cacheDir = path.join(scratch, 'cache');
    const result = await createInterpreter(model, { delegates: ['int8_fc'], descriptors, cacheDir });
    expect(result.refused[0]!.reason).toMatch(new RegExp(`rounding.*${cacheDir}/int8_fc-[0-9a-f]{16}\\.bin`));
    result.interpreter.dispose();
  });

  it('partly delegates a classifier: the plugin computes FULLY_CONNECTED, outputs equal the CPU bit for bit', async () => {
    const descriptors = await descriptorsWith('int8_fc');
    const m = int8ConvAvgPoolSoftmax();
    const model = Model.fromBuffer(m.bytes, 'classifier.tflite');
    const delegated = await createInterpreter(model, { delegates: ['int8_fc'], descriptors });
    const cpu = await createInterpreter(model, { delegates: ['cpu'], descriptors });
    try {
      expect(delegated.delegate).toBe('int8_fc');
      expect(delegated.usage).toEqual({ nodes: 1, partitions: 1, totalNodes: model.info.subgraphs[0]!.operators.length });
      for (let seed = 1; seed <= 10; seed += 1) {
        const input = randomInt8(192, seed);
        for (const { interpreter } of [delegated, cpu]) {
          interpreter.setInput(0, input);
          await interpreter.invoke();
        }
        const expected = Array.from(m.reference(input));
        expect(Array.from(delegated.interpreter.output(0) as Int8Array)).toEqual(expected);
        expect(Array.from(cpu.interpreter.output(0) as Int8Array)).toEqual(expected);
      }
    } finally {
      delegated.interpreter.dispose();
      cpu.interpreter.dispose();
    }
  });

  it('surfaces an injected invoke failure with the delegate\'s own words', async () => {
    const descriptors = await descriptorsWith('int8_fc');
    const model = Model.fromBuffer(fc.bytes, 'fc.tflite');
    const { interpreter } = await createInterpreter(model, { delegates: [{ name: 'int8_fc', options: { fail_after: 2 } }], descriptors, warmup: 0 });
    try {
      await interpreter.invoke();
      await interpreter.invoke();
      const failure = (await interpreter.invoke().then(
        () => new Error('the invoke was expected to fail'),
        (error: unknown) => error as Error,
      ));
      expect(failure).toMatchObject({
        code: 'ERR_INVOKE',
        message: expect.stringContaining('fc.tflite: invoke failed on int8_fc: int8_fc_delegate: injected failure after 2 invokes'),
      });
      // The stack points at the caller (this file), not at the addon's completion callback.
      expect(failure.stack).toContain('delegate-plugins.test.ts');
    } finally {
      interpreter.dispose();
    }
  });

  it('a hung invoke neither blocks the event loop nor other interpreters, and completes when released', async () => {
    const descriptors = await descriptorsWith('int8_fc');
    const model = Model.fromBuffer(fc.bytes, 'fc.tflite');
    const releaseFile = path.join(scratch, 'release-1');
    const hung = await createInterpreter(model, {
      delegates: [{ name: 'int8_fc', options: { hang_after: 0, release_file: releaseFile } }], descriptors, warmup: 0,
    });
    const other = await createInterpreter(model, { delegates: ['cpu'], descriptors, warmup: 0 });
    let settled = false;
    const pending = hung.interpreter.invoke().then(() => { settled = true; });
    for (let i = 0; i < 20; i += 1) await other.interpreter.invoke();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    writeFileSync(releaseFile, '');
    await pending;
    expect(settled).toBe(true);
    hung.interpreter.dispose();
    other.interpreter.dispose();
  });

  it('an interpreter hung forever can be abandoned with dispose() and the process still exits', async () => {
    const plugin = await buildDelegatePlugin('int8_fc');
    const modelFile = path.join(scratch, 'fc.tflite');
    writeFileSync(modelFile, fc.bytes);
    const script = `
      import { Interpreter, Model } from ${JSON.stringify(path.join(projectRoot, 'dist', 'runtime', 'index.js'))};
      const model = await Model.fromFile(${JSON.stringify(modelFile)});
      const it = await Interpreter.create(model, { threads: 1, delegate: { kind: 'plugin', name: 'int8_fc', library: ${JSON.stringify(plugin)}, options: [['hang_after', '0']] } });
      it.invoke().then(() => console.log('unexpected: the hung invoke returned'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      it.dispose();
      console.log('disposed');
    `;
    const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      // The limit only catches a process that never exits; an emulated Node's start alone costs ~10 s of CPU.
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: emulation() ? 300_000 : 20_000 }, (error, stdout) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout }));
      child.stdin?.end();
    });
    expect(result.stdout.trim()).toBe('disposed');
    expect(result.code).toBe(0);
  });
});

describe.skipIf(!hasSharedModels)('plugin delegates on hello_world_int8.tflite (3 FULLY_CONNECTED)', () => {
  it('CPU -> delegate -> CPU partial delegation counts 1 node in 1 partition and matches the CPU on all 256 inputs', async () => {
    const descriptors = await descriptorsWith('int8_fc');
    const model = await Model.fromFile(sharedModel('hello_world_int8.tflite'));
    const request: DelegateRequest = { name: 'int8_fc', options: { skip_nodes: 1, max_nodes: 1 } };
    const delegated = await createInterpreter(model, { delegates: [request], descriptors });
    const all = await createInterpreter(model, { delegates: ['int8_fc'], descriptors });
    const cpu = await createInterpreter(model, { delegates: ['cpu'], descriptors });
    try {
      expect(delegated.usage).toEqual({ nodes: 1, partitions: 1, totalNodes: 3 });
      expect(all.usage).toEqual({ nodes: 3, partitions: 1, totalNodes: 3 });
      const differing: Array<[number, number[]]> = [];
      for (let x = -128; x < 128; x += 1) {
        const outputs: number[] = [];
        for (const { interpreter } of [delegated, all, cpu]) {
          interpreter.setInput(0, Int8Array.of(x));
          await interpreter.invoke();
          outputs.push((interpreter.output(0) as Int8Array)[0]!);
        }
        if (process.arch !== 'arm64') {
          expect(outputs, `input ${x}`).toEqual([outputs[2], outputs[2], outputs[2]]);
        } else if (outputs.some((o) => o !== outputs[2])) {
          differing.push([x, outputs]);
        }
      }
      if (process.arch === 'arm64') {
        // The plugin imitates the requantisation of TFLite's x86 kernels (ruy's AVX paths, see int8_fc_delegate.c);
        // TFLite's arm64 kernels round some exact halves the other way, and one step in a hidden layer grows
        // through the next two layers. Measured under qemu-user on the arm64 library: 7 of 256 inputs differ, by
        // at most 3 steps, with every node on the plugin; the bounds leave no room for a wrong computation.
        const worst = Math.max(0, ...differing.map(([, o]) => Math.max(Math.abs(o[0]! - o[2]!), Math.abs(o[1]! - o[2]!))));
        expect(differing.length, JSON.stringify(differing)).toBeLessThanOrEqual(8);
        expect(worst, JSON.stringify(differing)).toBeLessThanOrEqual(3);
      }
    } finally {
      for (const r of [delegated, all, cpu]) r.interpreter.dispose();
    }
  });
});

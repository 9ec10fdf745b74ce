/**
 * The Qualcomm QNN delegate descriptor (delegates/qnn.yaml): without libQnnTFLiteDelegate.so the chain refuses it
 * cleanly and runs on XNNPACK; a library by that name that is not a delegate is refused with the loader's words;
 * the descriptor's options reach the plugin's create function as key/value strings (checked with the project's
 * int8_fc test plugin standing in for the library, which names the first option it does not know).
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { builtinDelegatesDir, loadDelegateDescriptors, locateDelegateLibrary, type DelegateDescriptor } from '../../src/runtime/delegates.js';
import { buildDelegatePlugin } from '../helpers/build-c.js';
import { int8FullyConnected, randomInt8 } from '../helpers/models.js';

const fc = int8FullyConnected({ inputSize: 32, outputSize: 8, seed: 21 });

/** The shipped descriptors, with qnn's library searched in `dir` only. */
function withQnnIn(dir: string): Map<string, DelegateDescriptor> {
  const descriptors = loadDelegateDescriptors([builtinDelegatesDir]);
  const qnn = descriptors.get('qnn')!;
  descriptors.set('qnn', { ...qnn, library: { ...qnn.library!, searchPaths: { [process.arch]: [dir] } } });
  return descriptors;
}

describe('the qnn delegate descriptor', () => {
  it('names the library and the options Qualcomm documents, as an external-delegate plugin', () => {
    const qnn = loadDelegateDescriptors([builtinDelegatesDir]).get('qnn')!;
    expect(qnn).toMatchObject({
      abi: 'plugin',
      library: { names: ['libQnnTFLiteDelegate.so'] },
      options: { backend_type: 'htp', skel_library_dir: '/usr/lib/rfsa/adsp', htp_precision: '0', htp_performance_mode: '1' },
    });
    expect(qnn.library!.searchPaths['arm64']).toContain('/usr/lib');
  });

  it('is refused cleanly when libQnnTFLiteDelegate.so is absent, and the model runs on XNNPACK', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'edgepipe-qnn-'));
    const descriptors = withQnnIn(empty);
    const dirs = [empty, ...(process.env['EDGEPIPE_DELEGATE_PATH']?.split(':') ?? [])].join(', ');
    expect(locateDelegateLibrary(descriptors.get('qnn')!)).toEqual({ missing: `library libQnnTFLiteDelegate.so not found in ${dirs}` });
    const result = await createInterpreter(Model.fromBuffer(fc.bytes, 'fc.tflite'), { delegates: ['qnn', 'xnnpack', 'cpu'], descriptors });
    try {
      expect(result.delegate).toBe('xnnpack');
      expect(result.refused).toEqual([{ delegate: 'qnn', stage: 'library', reason: `library libQnnTFLiteDelegate.so not found in ${dirs}` }]);
      const input = randomInt8(32, 3);
      result.interpreter.setInput(0, input);
      await result.interpreter.invoke();
      expect(Array.from(result.interpreter.output(0) as Int8Array)).toEqual(Array.from(fc.reference(input)));
    } finally {
      result.interpreter.dispose();
    }
  });

  it('on the shipped search paths of this machine: refused at the library stage (no Qualcomm SDK here) or used', async () => {
    const descriptors = loadDelegateDescriptors([builtinDelegatesDir]);
    const result = await createInterpreter(Model.fromBuffer(fc.bytes, 'fc.tflite'), { delegates: ['qnn', 'cpu'], descriptors });
    try {
      const located = locateDelegateLibrary(descriptors.get('qnn')!);
      if ('missing' in located) {
        expect(result.delegate).toBe('cpu');
        expect(result.refused[0]).toMatchObject({ delegate: 'qnn', stage: 'library', reason: located.missing });
      } else {
        expect(['qnn', 'cpu']).toContain(result.delegate);
      }
    } finally {
      result.interpreter.dispose();
    }
  });

  it('a file by that name that is not a delegate library is refused, not fatal', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-qnn-'));
    writeFileSync(path.join(dir, 'libQnnTFLiteDelegate.so'), 'not an ELF file\n');
    const result = await createInterpreter(Model.fromBuffer(fc.bytes, 'fc.tflite'), { delegates: ['qnn', 'cpu'], descriptors: withQnnIn(dir) });
    try {
      expect(result.delegate).toBe('cpu');
      const file = path.join(dir, 'libQnnTFLiteDelegate.so');
      expect(result.refused).toEqual([
        { delegate: 'qnn', stage: 'create', reason: `fc.tflite: delegate creation failed: cannot load delegate library ${file}: ${file}: file too short` },
      ]);
    } finally {
      result.interpreter.dispose();
    }
  });

  it('hands its options to the plugin\'s create function as key/value strings', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edgepipe-qnn-'));
    copyFileSync(await buildDelegatePlugin('int8_fc'), path.join(dir, 'libQnnTFLiteDelegate.so'));
    const result = await createInterpreter(Model.fromBuffer(fc.bytes, 'fc.tflite'), { delegates: ['qnn', 'cpu'], descriptors: withQnnIn(dir) });
    try {
      expect(result.delegate).toBe('cpu');
      expect(result.refused[0]).toMatchObject({ delegate: 'qnn', stage: 'create' });
      expect(result.refused[0]!.reason).toContain("unknown option 'backend_type'");
    } finally {
      result.interpreter.dispose();
    }
  });
});

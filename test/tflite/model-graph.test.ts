// readModelGraph() + writeModelGraph(): a model read whole and written back is the same model (report, metadata,
// packed files, outputs of the real TFLite), including option tables copied as raw bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { openZip, readModel } from '../../src/tflite/index.js';
import { writeModelGraph } from '../../src/tflite/graph-writer.js';
import { readModelGraph } from '../../src/tflite/model-graph.js';
import { uint8Network } from '../optimize/uint8-models.js';
import { needsRealHardware } from '../helpers/emulation.js';
import { hasSharedModels, sharedModel, sharedModelsDir } from '../helpers/shared-models.js';
import { randomUint8 } from './reference/random.js';

/** readModel()'s report without what legitimately changes: byte length and buffer count (unused buffers emptied). */
function report(bytes: Uint8Array): unknown {
  const { byteLength: _b, buffersCount: _c, fileName: _f, ...rest } = readModel(bytes);
  return { ...rest, subgraphs: rest.subgraphs.map((sg) => ({ ...sg, tensors: sg.tensors.map(({ buffer: _x, ...t }) => t) })) };
}

async function sameOutputs(a: Uint8Array, b: Uint8Array): Promise<boolean> {
  const ia = (await createInterpreter(Model.fromBuffer(a, 'a'), { delegates: ['cpu'] })).interpreter;
  const ib = (await createInterpreter(Model.fromBuffer(b, 'b'), { delegates: ['cpu'] })).interpreter;
  try {
    ia.inputs.forEach((info, k) => {
      const x = randomUint8(info.bytes, 7 + k).map((v) => v & 0x3f); // small values: valid floats too
      ia.setInput(k, x);
      ib.setInput(k, x);
    });
    await ia.invoke();
    await ib.invoke();
    return ia.outputs.every((_, k) => {
      const x = ia.output(k);
      const y = ib.output(k);
      return Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    });
  } finally {
    ia.dispose();
    ib.dispose();
  }
}

describe('model graph round trip', () => {
  it('writes back a model with metadata and packed labels; option tables intact (same outputs on TFLite)', async () => {
    const original = uint8Network({ metadata: true });
    const copy = writeModelGraph(readModelGraph(original, 'net.tflite'));
    expect(report(copy)).toEqual(report(original));
    expect(openZip(copy)?.read('labels.txt')).toEqual(openZip(original)?.read('labels.txt'));
    expect(await sameOutputs(original, copy)).toBe(true);
  });

  it('refuses a truncated file with the reader\'s message', () => {
    const original = uint8Network();
    expect(() => readModelGraph(original.slice(0, 300), 'cut.tflite')).toThrow(/^cut\.tflite: truncated/);
  });

  // The graph writer is the same TypeScript on every architecture; what is arm64 here is only the invokes.
  const slowUnderQemu = 'invokes every shared model twice on the plain CPU kernels, over 3 min under emulation (measured) for no arm64 code of ours';
  it.skipIf(!hasSharedModels || needsRealHardware(slowUnderQemu))('round-trips every shared model it can read, with identical outputs', async () => {
    const files = readdirSync(sharedModelsDir).filter((f) => f.endsWith('.tflite') && !['invalid_per_channel_quant.tflite', 'unresolved_custom_op.tflite', 'keras_lstm_mnist_ptq.tflite'].includes(f));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const original = readFileSync(sharedModel(f));
      const copy = writeModelGraph(readModelGraph(original, f));
      expect(report(copy), f).toEqual(report(original));
      expect(await sameOutputs(original, copy), f).toBe(true);
    }
    expect(() => readModelGraph(readFileSync(sharedModel('keras_lstm_mnist_ptq.tflite')), 'lstm.tflite')).toThrow(
      'lstm.tflite: subgraph 0 operator 1 (UNIDIRECTIONAL_SEQUENCE_LSTM): intermediate tensors are not supported',
    );
  }, 180_000);
});

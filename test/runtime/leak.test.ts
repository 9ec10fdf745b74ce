/**
 * Leak run of the native addon: repeated model/interpreter creation, invoke and disposal (explicit and by GC
 * finaliser) with RSS checked. The model carries 1 MiB of weights, so a leaked model, interpreter or XNNPACK
 * packed-weights copy per iteration would add hundreds of MiB over the run; the bound allows allocator noise.
 */
import { describe, expect, it } from 'vitest';
import { createInterpreter, Interpreter, Model } from '../../src/runtime/index.js';
import { int8FullyConnected, randomInt8 } from '../helpers/models.js';

const gc = (globalThis as { gc?: () => void }).gc;
const rssMiB = (): number => process.memoryUsage().rss / 2 ** 20;
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i += 1) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe.skipIf(!gc)('native leak run', () => {
  const m = int8FullyConnected({ inputSize: 1024, outputSize: 1024, seed: 11 });
  const input = randomInt8(1024, 1);

  it('create, invoke, dispose 150 times on CPU and XNNPACK: RSS stays flat', async () => {
    const cycle = async (i: number): Promise<void> => {
      const model = Model.fromBuffer(m.bytes, 'fc1024.tflite');
      const { interpreter } = await createInterpreter(model, { delegates: [i % 2 ? 'xnnpack' : 'cpu'], warmup: 0 });
      interpreter.setInput(0, input);
      await interpreter.invoke();
      interpreter.dispose();
    };
    for (let i = 0; i < 20; i += 1) await cycle(i);
    await settle();
    const before = rssMiB();
    for (let i = 0; i < 150; i += 1) await cycle(i);
    await settle();
    const growth = rssMiB() - before;
    expect(growth, `RSS grew ${growth.toFixed(1)} MiB over 150 cycles`).toBeLessThan(40);
  });

  it('interpreters dropped without dispose are freed by their finalisers', async () => {
    const cycle = async (): Promise<void> => {
      const interpreter = await Interpreter.create(Model.fromBuffer(m.bytes, 'fc1024.tflite'), { threads: 1 });
      await interpreter.invoke();
    };
    for (let i = 0; i < 20; i += 1) await cycle();
    await settle();
    const before = rssMiB();
    for (let i = 0; i < 150; i += 1) {
      await cycle();
      if (i % 25 === 0) await settle();
    }
    await settle();
    const growth = rssMiB() - before;
    expect(growth, `RSS grew ${growth.toFixed(1)} MiB over 150 undisposed interpreters`).toBeLessThan(40);
  });
});

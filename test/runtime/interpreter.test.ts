/** The runtime on models the project writes itself, checked against TypeScript references of TFLite's kernels. */
import { describe, expect, it } from 'vitest';
import { createInterpreter, EdgepipeError, Interpreter, Model } from '../../src/runtime/index.js';
import { customOpModel, int8ConvAvgPoolSoftmax, int8FullyConnected, multiDtypeModel, randomInt8 } from '../helpers/models.js';

async function cpuInterpreter(bytes: Uint8Array, name = 'test.tflite'): Promise<Interpreter> {
  return Interpreter.create(Model.fromBuffer(bytes, name), { threads: 1 });
}

describe('Interpreter on the project\'s own models', () => {
  it('computes int8 FULLY_CONNECTED bit-exactly as the TypeScript reference, on CPU and XNNPACK', async () => {
    const m = int8FullyConnected({ inputSize: 64, outputSize: 10, seed: 3 });
    const model = Model.fromBuffer(m.bytes, 'fc.tflite');
    for (const delegates of [['cpu'], ['xnnpack']]) {
      const { interpreter, delegate } = await createInterpreter(model, { delegates, warmup: 0 });
      expect(delegate).toBe(delegates[0]);
      for (let seed = 1; seed <= 20; seed += 1) {
        const input = randomInt8(64, seed);
        interpreter.setInput(0, input);
        await interpreter.invoke();
        expect(Array.from(interpreter.output(0) as Int8Array)).toEqual(Array.from(m.reference(input)));
      }
      interpreter.dispose();
    }
  });

  it('runs a conv/pool/softmax classifier and reads its labels and normalisation from metadata', async () => {
    const m = int8ConvAvgPoolSoftmax();
    const interpreter = await cpuInterpreter(m.bytes);
    expect(interpreter.model.info.metadata?.labels).toEqual(m.labels);
    expect(interpreter.model.info.metadata?.inputs[0]?.normalization).toEqual({ mean: [127.5], std: [127.5] });
    const input = randomInt8(192, 99);
    (interpreter.input(0) as Int8Array).set(input);
    await interpreter.invoke();
    expect(Array.from(interpreter.output(0) as Int8Array)).toEqual(Array.from(m.reference(input)));
    interpreter.dispose();
  });

  it('reads and writes every supported dtype as its typed array', async () => {
    const m = multiDtypeModel();
    const interpreter = await cpuInterpreter(m.bytes);
    const expected: Record<string, string> = {
      int8: 'Int8Array', uint8: 'Uint8Array', int16: 'Int16Array', int32: 'Int32Array', int64: 'BigInt64Array',
      float32: 'Float32Array', bool: 'Uint8Array',
    };
    interpreter.inputs.forEach((info, i) => {
      const view = interpreter.input(i);
      if (expected[info.dtype]) expect(view.constructor.name).toBe(expected[info.dtype]);
      if (view instanceof BigInt64Array) view.set([1n, -2n, 3n, 2n ** 40n, -(2n ** 50n), 7n]);
      else (view as Float32Array).set([1, 0, 1, 1, 0, 1]);
    });
    await interpreter.invoke();
    interpreter.outputs.forEach((info, i) => {
      expect(interpreter.output(i).constructor.name).toBe(interpreter.input(i).constructor.name);
      expect(Array.from(interpreter.output(i) as ArrayLike<number>)).toEqual(Array.from(interpreter.input(i) as ArrayLike<number>));
      expect(info.shape).toEqual([3, 2]);
    });
    expect(interpreter.inputs.map((t) => t.dtype)).toEqual(expect.arrayContaining(['int8', 'uint8', 'int16', 'int32', 'int64', 'float32', 'bool']));
    interpreter.dispose();
  });

  it('refuses an input of the wrong size without touching the tensor', async () => {
    const interpreter = await cpuInterpreter(int8FullyConnected({ inputSize: 16, outputSize: 4, seed: 1 }).bytes, 'fc.tflite');
    (interpreter.input(0) as Int8Array).fill(5);
    expect(() => interpreter.setInput(0, new Int8Array(15))).toThrow(
      'fc.tflite: input 0 "input" (int8 [1,16]) takes 16 bytes but received Int8Array of 15 bytes',
    );
    expect(Array.from(interpreter.input(0) as Int8Array)).toEqual(new Array(16).fill(5));
    expect(() => interpreter.input('nope')).toThrow(/no input "nope"; the model has 0 "input"/);
    interpreter.dispose();
  });

  it('refuses a second concurrent invoke with ERR_BUSY, and the first one still completes', async () => {
    const interpreter = await cpuInterpreter(int8FullyConnected({ inputSize: 16, outputSize: 4, seed: 1 }).bytes);
    const first = interpreter.invoke();
    await expect(interpreter.invoke()).rejects.toMatchObject({ code: 'ERR_BUSY' });
    await expect(first).resolves.toBeUndefined();
    await expect(interpreter.invoke()).resolves.toBeUndefined();
    interpreter.dispose();
  });

  it('runs invoke off the JS thread: the event loop turns while an invoke is pending', async () => {
    const interpreter = await cpuInterpreter(int8FullyConnected({ inputSize: 512, outputSize: 512, seed: 2 }).bytes);
    const order: string[] = [];
    const invoked = interpreter.invoke().then(() => order.push('invoke'));
    setImmediate(() => order.push('immediate'));
    await invoked;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order[0]).toBe('immediate');
    interpreter.dispose();
  });

  it('disposes: views become empty, use afterwards throws ERR_DISPOSED, dispose is idempotent', async () => {
    const interpreter = await cpuInterpreter(int8FullyConnected({ inputSize: 16, outputSize: 4, seed: 1 }).bytes, 'fc.tflite');
    const input = interpreter.input(0);
    const output = interpreter.output(0);
    interpreter.dispose();
    interpreter.dispose();
    expect(input.length).toBe(0);
    expect(output.length).toBe(0);
    expect(interpreter.disposed).toBe(true);
    expect(() => interpreter.input(0)).toThrow('fc.tflite: the interpreter has been disposed');
    await expect(interpreter.invoke()).rejects.toThrow(EdgepipeError);
  });

  it('disposing during an invoke frees the interpreter once the invoke ends', async () => {
    const interpreter = await cpuInterpreter(int8FullyConnected({ inputSize: 256, outputSize: 256, seed: 4 }).bytes);
    const view = interpreter.output(0);
    const pending = interpreter.invoke();
    interpreter.dispose();
    await expect(pending).resolves.toBeUndefined();
    expect(view.length).toBe(0);
  });

  it('refuses a tensor larger than the cap before allocating it', async () => {
    const model = Model.fromBuffer(int8FullyConnected({ inputSize: 64, outputSize: 10, seed: 3 }).bytes, 'fc.tflite');
    await expect(Interpreter.create(model, { threads: 1, maxTensorBytes: 32 })).rejects.toMatchObject({
      stage: 'tensor-size',
      message: expect.stringMatching(/fc\.tflite: tensor size check failed: input 0 \(input\) would need 64 bytes, more than the limit of 32/),
    });
  });

  it('names an unresolved custom op before TFLite sees the model', async () => {
    const m = customOpModel('my-custom-op');
    const model = Model.fromBuffer(m.bytes, 'custom.tflite');
    await expect(createInterpreter(model)).rejects.toThrow(
      'custom.tflite: custom op "my-custom-op" is provided neither by TensorFlow Lite nor by any delegate in delegates/',
    );
  });

  it('validates threads at the boundary', async () => {
    const model = Model.fromBuffer(int8FullyConnected({ inputSize: 4, outputSize: 2, seed: 1 }).bytes, 'fc.tflite');
    await expect(Interpreter.create(model, { threads: 0 })).rejects.toThrow('Expected an integer between 1 and 64 for threads but received 0');
  });

  it('picks a thread count with threads: auto and reports the timings behind it', async () => {
    const model = Model.fromBuffer(int8FullyConnected({ inputSize: 256, outputSize: 256, seed: 5 }).bytes, 'fc.tflite');
    const result = await createInterpreter(model, { threads: 'auto', delegates: ['xnnpack'] });
    expect(result.calibration!.length).toBeGreaterThanOrEqual(1);
    expect(result.calibration![0]!.threads).toBe(1);
    const best = result.calibration!.reduce((a, b) => (b.p50Ms < a.p50Ms ? b : a));
    expect(result.threads).toBe(best.threads);
    expect(result.interpreter.threads).toBe(best.threads);
    result.interpreter.dispose();
  });
});

describe('Model boundary checks', () => {
  it('rejects empty, non-TFLite and unverifiable bytes naming the model', () => {
    expect(() => Model.fromBuffer(new Uint8Array(0), 'a.tflite')).toThrow('a.tflite: the model file is empty');
    expect(() => Model.fromBuffer(new Uint8Array(64), 'b.tflite')).toThrow(/b\.tflite: not a TensorFlow Lite model/);
    const truncated = int8FullyConnected({ inputSize: 8, outputSize: 2, seed: 1 }).bytes.slice(0, 100);
    expect(() => Model.fromBuffer(truncated, 'c.tflite')).toThrow('c.tflite: TensorFlow Lite rejected the model (flatbuffer verification failed)');
  });

  it('reports a missing file and a directory as user errors', async () => {
    await expect(Model.fromFile('/nonexistent/m.tflite')).rejects.toMatchObject({ exitCode: 2, message: '/nonexistent/m.tflite: cannot read model: no such file' });
    await expect(Model.fromFile('/tmp')).rejects.toMatchObject({ exitCode: 2, message: '/tmp: cannot read model: is a directory' });
  });
});

import { describe, expect, it } from 'vitest';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';

describe.skipIf(!hasSharedModels)('real models from ../shared/models', () => {
  it('runs the TF2 int8 MobileNet on XNNPACK and reports what it took', async () => {
    const model = await Model.fromFile(sharedModel('tf2_mobilenet_v2_1.0_224_ptq.tflite'));
    const { interpreter, delegate, usage, refused } = await createInterpreter(model, { delegates: ['xnnpack'] });
    expect(delegate).toBe('xnnpack');
    expect(refused).toEqual([]);
    expect(usage.nodes).toBeGreaterThan(50);
    expect(usage.nodes).toBeLessThan(usage.totalNodes);
    expect(usage.partitions).toBeGreaterThanOrEqual(1);
    expect(interpreter.inputs[0]).toMatchObject({ dtype: 'uint8', shape: [1, 224, 224, 3] });
    interpreter.dispose();
  });

  it('falls back to the CPU when XNNPACK uint8 fails to prepare the TF1 uint8 MobileNet', async () => {
    const model = await Model.fromFile(sharedModel('mobilenet_v2_1.0_224_quant.tflite'));
    const result = await createInterpreter(model, {
      delegates: [{ name: 'xnnpack', options: { uint8: true } }, 'cpu'],
    });
    expect(result.delegate).toBe('cpu');
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]).toMatchObject({ delegate: 'xnnpack', stage: 'prepare' });
    expect(result.refused[0]!.reason).toContain('failed to delegate');
    result.interpreter.dispose();
  });
});

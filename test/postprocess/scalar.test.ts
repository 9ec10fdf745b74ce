import { describe, expect, it } from 'vitest';
import { createPostprocessor } from '../../src/postprocess/index.js';
import { info, mismatchMessage, outputsOf, quantization, sync, tensor } from './tensors.js';

const context = { labelOffset: 0, modelName: 'hello_world_int8.tflite' };

describe('scalar', () => {
  it('dequantises the one int8 value', () => {
    const q = quantization(0.008290956728160381, 5);
    const { infos, tensors } = outputsOf(tensor('StatefulPartitionedCall:0', 'int8', [1, 1], [0.5], q));
    const result = sync(createPostprocessor({ kind: 'scalar' }, infos, context).run(tensors, undefined));
    expect(result).toEqual({ kind: 'scalar', value: expect.closeTo((Math.round(0.5 / q.scale) + 5 - 5) * q.scale, 12), anomaly: false });
  });

  it('flags values strictly below `below` or above `above`', () => {
    const run = (value: number, bounds: { below?: number; above?: number }) => {
      const { infos, tensors } = outputsOf(tensor('v', 'float32', [1], [value]));
      return sync(createPostprocessor({ kind: 'scalar', ...bounds }, infos, context).run(tensors, undefined));
    };
    expect(run(-0.5, { below: -0.25 })).toEqual({ kind: 'scalar', value: -0.5, anomaly: true });
    expect(run(-0.25, { below: -0.25 })).toMatchObject({ anomaly: false });
    expect(run(0.75, { below: -0.25, above: 0.5 })).toMatchObject({ anomaly: true });
    expect(run(0.5, { above: 0.5 })).toMatchObject({ anomaly: false });
    expect(run(1e9, {})).toMatchObject({ anomaly: false });
    expect(run(Number.NaN, {})).toMatchObject({ anomaly: true });
  });

  it('needs exactly one numeric value in the first output', () => {
    expect(mismatchMessage(() => createPostprocessor({ kind: 'scalar' }, [info('y', 'int8', [1, 4])], context))).toBe(
      'postprocess.kind: scalar reads one numeric value but output "y" of hello_world_int8.tflite is int8 [1,4] (4 values; use kind: classify for class scores)',
    );
    expect(mismatchMessage(() => createPostprocessor({ kind: 'scalar' }, [info('s', 'string', [1])], context))).toBe(
      'postprocess.kind: scalar reads one numeric value but output "s" of hello_world_int8.tflite is string [1]',
    );
    expect(mismatchMessage(() => createPostprocessor({ kind: 'scalar' }, [], context))).toBe(
      'postprocess.kind: scalar reads one value from the first output but hello_world_int8.tflite has no outputs',
    );
  });
});

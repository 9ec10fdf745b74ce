/**
 * Golden results on real models made by others (../shared/models, README there). Scores are compared with a
 * tolerance of one output quantisation step (1/256), against the expected value of this architecture; classes exactly.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createInterpreter, Model, type Interpreter } from '../../src/runtime/index.js';
import { writeImageInput } from '../../src/preprocess/image-input.js';
import { dequantize } from '../../src/postprocess/dequantize.js';
import { topK } from '../../src/postprocess/classify.js';
import { MOBILENET_V2_QUANT_CAT_SCORE } from '../helpers/arch-results.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';

const imagenetLabels = hasSharedModels
  ? readFileSync(sharedModel('labels/imagenet_labels.txt'), 'utf8').split('\n')
  : [];

async function top1(interpreter: Interpreter, image: string, normalization?: { mean: number[]; std: number[] }) {
  await writeImageInput(sharedModel(`images/${image}`), interpreter.inputs[0]!, interpreter.input(0), normalization ? { normalization } : {});
  await interpreter.invoke();
  const out = interpreter.outputs[0]!;
  return topK(dequantize(interpreter.output(0), out.quantization), 1)[0]!;
}

describe.skipIf(!hasSharedModels)('real models from ../shared/models', () => {
  const cases = [
    // 193/256 on x86, 191/256 on arm64 (test/helpers/arch-results.ts says why).
    { model: 'mobilenet_v2_1.0_224_quant.tflite', image: 'cat.png', index: 286, score: MOBILENET_V2_QUANT_CAT_SCORE },
    { model: 'mobilenet_v2_1.0_224_quant.tflite', image: 'grace_hopper.png', index: 653, score: 0.914 },
    { model: 'tf2_mobilenet_v2_1.0_224_ptq.tflite', image: 'cat.png', index: 286, score: 0.637 },
    { model: 'tf2_mobilenet_v2_1.0_224_ptq.tflite', image: 'grace_hopper.png', index: 653, score: 0.801 },
  ];
  for (const c of cases) {
    it(`${c.model} classifies ${c.image} as ${imagenetLabels[c.index] ?? c.index}`, async () => {
      const model = await Model.fromFile(sharedModel(c.model));
      const { interpreter } = await createInterpreter(model);
      try {
        const best = await top1(interpreter, c.image);
        expect(best.index).toBe(c.index);
        expect(Math.abs(best.score - c.score)).toBeLessThanOrEqual(1 / 256 + 1e-9);
      } finally {
        interpreter.dispose();
      }
    });
  }

  it('runs the TF2 int8 MobileNet on XNNPACK and reports what it took', async () => {
    const model = await Model.fromFile(sharedModel('tf2_mobilenet_v2_1.0_224_ptq.tflite'));
    const { interpreter, delegate, usage, refused } = await createInterpreter(model, { delegates: ['xnnpack'] });
    expect(delegate).toBe('xnnpack');
    expect(refused).toEqual([]);
    // Partial delegation is normal: QUANTIZE/SOFTMAX-like nodes stay on the builtin kernels.
    expect(usage.nodes).toBeGreaterThan(50);
    expect(usage.nodes).toBeLessThan(usage.totalNodes);
    expect(usage.totalNodes).toBe(model.info.subgraphs[0]!.operators.length);
    expect(usage.partitions).toBeGreaterThanOrEqual(1);
    expect(interpreter.inputs[0]).toMatchObject({ dtype: 'uint8', shape: [1, 224, 224, 3] });
    interpreter.dispose();
  });

  it('falls back to the CPU when XNNPACK uint8 fails to prepare the TF1 uint8 MobileNet', async () => {
    const model = await Model.fromFile(sharedModel('mobilenet_v2_1.0_224_quant.tflite'));
    const result = await createInterpreter(model, { delegates: [{ name: 'xnnpack', options: { uint8: true } }, 'cpu'] });
    try {
      expect(result.delegate).toBe('cpu');
      expect(result.refused).toHaveLength(1);
      expect(result.refused[0]).toMatchObject({ delegate: 'xnnpack', stage: 'prepare' });
      expect(result.refused[0]!.reason).toContain('failed to delegate');
      // The rebuilt interpreter still gives the reference answer.
      expect((await top1(result.interpreter, 'cat.png')).index).toBe(286);
    } finally {
      result.interpreter.dispose();
    }
  });

  it('refuses XNNPACK int8-only on the TF1 uint8 model because it takes no node', async () => {
    const model = await Model.fromFile(sharedModel('mobilenet_v2_1.0_224_quant.tflite'));
    const result = await createInterpreter(model, { delegates: ['xnnpack'] });
    expect(result.delegate).toBe('cpu');
    expect(result.refused).toEqual([{ delegate: 'xnnpack', stage: 'no-nodes', reason: 'took 0 of 66 nodes' }]);
    result.interpreter.dispose();
  });

  it('classifies cat.png as Egyptian cat with the NCHW int8 MobileNet and ImageNet mean/std', async () => {
    const model = await Model.fromFile(sharedModel('mobilenet_v2_int8_nchw_1x3x224x224.tflite'));
    const { interpreter } = await createInterpreter(model);
    try {
      expect(interpreter.inputs[0]).toMatchObject({ dtype: 'int8', shape: [1, 3, 224, 224] });
      const best = await top1(interpreter, 'cat.png', {
        mean: [0.485 * 255, 0.456 * 255, 0.406 * 255],
        std: [0.229 * 255, 0.224 * 255, 0.225 * 255],
      });
      // 1000 classes: label file line = index + 1 (its first line is "background").
      expect(imagenetLabels[best.index + 1]).toBe('Egyptian cat');
    } finally {
      interpreter.dispose();
    }
  });

  it('runs the traffic SSD-LSTM detector over three frames feeding its LSTM state back', async () => {
    const model = await Model.fromFile(sharedModel('traffic_ssd_lstm.tflite'));
    const { interpreter } = await createInterpreter(model);
    try {
      const names = interpreter.outputs.map((o) => o.name);
      expect(names.slice(0, 4)).toEqual([
        'TFLite_Detection_PostProcess',
        'TFLite_Detection_PostProcess:1',
        'TFLite_Detection_PostProcess:2',
        'TFLite_Detection_PostProcess:3',
      ]);
      (interpreter.input('raw_inputs/init_lstm_c') as Uint8Array).fill(0);
      (interpreter.input('raw_inputs/init_lstm_h') as Uint8Array).fill(0);
      const firstFrameBoxes: number[][] = [];
      for (const frame of ['0001.png', '0002.png', '0003.png']) {
        await writeImageInput(sharedModel(`traffic_frames/${frame}`), interpreter.inputs[0]!, interpreter.input(0));
        await interpreter.invoke();
        const boxes = interpreter.output(0) as Float32Array;
        const scores = interpreter.output(2) as Float32Array;
        const count = (interpreter.output(3) as Float32Array)[0]!;
        expect(count).toBeGreaterThan(0);
        if (frame === '0001.png') {
          for (let i = 0; i < count; i += 1) if (scores[i]! > 0.3) firstFrameBoxes.push(Array.from(boxes.subarray(i * 4, i * 4 + 4)));
        }
        // Observed: on these frames the uint8 state (scale 6/255, zero point 0) comes back all zeros; what matters
        // here is that outputs of the state's exact size feed the next frame's inputs.
        interpreter.setInput('raw_inputs/init_lstm_c', interpreter.output('raw_outputs/lstm_c'));
        interpreter.setInput('raw_inputs/init_lstm_h', interpreter.output('raw_outputs/lstm_h'));
      }
      // The README's car on frame 1: ymin 0.58, xmin 0.27, ymax 0.77, xmax 0.55 (zero state).
      const car = firstFrameBoxes.find(([ymin, xmin, ymax, xmax]) =>
        Math.abs(ymin! - 0.58) < 0.05 && Math.abs(xmin! - 0.27) < 0.05 && Math.abs(ymax! - 0.77) < 0.05 && Math.abs(xmax! - 0.55) < 0.05);
      expect(car, `boxes with score > 0.3: ${JSON.stringify(firstFrameBoxes)}`).toBeDefined();
    } finally {
      interpreter.dispose();
    }
  });

  it('names the unresolved custom op before the model reaches TFLite', async () => {
    const model = await Model.fromFile(sharedModel('unresolved_custom_op.tflite'));
    await expect(createInterpreter(model)).rejects.toThrow(/custom op "fake-op-double" is provided neither by TensorFlow Lite/);
  });

  it('reports invalid per-channel quantisation with TFLite\'s own words', async () => {
    const model = await Model.fromFile(sharedModel('invalid_per_channel_quant.tflite'));
    await expect(createInterpreter(model, { delegates: ['cpu'] })).rejects.toThrow(
      /invalid_per_channel_quant\.tflite: interpreter creation failed: quantized_dimension must be in range \[0, 1\)\. Was 3\. \(x\d+\)/,
    );
  });
});

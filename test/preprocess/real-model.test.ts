/**
 * The preprocessor feeding a real model (../shared/models; skipped with a message when absent): cat.png into the
 * TF2 int8 MobileNet gives the README's reference class and score.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { createInterpreter, Model } from '../../src/runtime/index.js';
import { dequantize } from '../../src/postprocess/dequantize.js';
import { topK } from '../../src/postprocess/classify.js';
import { hasSharedModels, sharedModel } from '../helpers/shared-models.js';
import { config } from './tensors.js';

describe.skipIf(!hasSharedModels)('preprocessor with a real model', () => {
  it('cat.png -> tf2_mobilenet_v2_1.0_224_ptq is 286 Egyptian cat (0.637)', async () => {
    const model = await Model.fromFile(sharedModel('tf2_mobilenet_v2_1.0_224_ptq.tflite'));
    const { interpreter } = await createInterpreter(model);
    try {
      const normalization = model.info.metadata?.inputs[0]?.normalization;
      expect(normalization, 'the model states its normalisation').toBeDefined();
      const pre = createImagePreprocessor(config(), interpreter.inputs[0]!, {
        normalization: { mean: [...normalization!.mean], std: [...normalization!.std] },
      });
      expect(pre.plan).toMatchObject({ colour: 'rgb', normalizationSource: 'metadata', tensor: { width: 224, height: 224, layout: 'nhwc', dtype: 'uint8' } });
      const geometry = await pre.run({ kind: 'encoded', bytes: await readFile(sharedModel('images/cat.png')) }, interpreter.input(0));
      expect(geometry).toMatchObject({ sourceWidth: 512, sourceHeight: 341 });
      await interpreter.invoke();
      const [best] = topK(dequantize(interpreter.output(0), interpreter.outputs[0]!.quantization), 1);
      expect(best!.index).toBe(286);
      expect(Math.abs(best!.score - 0.637)).toBeLessThanOrEqual(1 / 256 + 1e-9);
    } finally {
      interpreter.dispose();
    }
  });
});

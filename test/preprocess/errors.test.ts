/**
 * Every config/model mismatch and every run-time refusal, with its exact message, code and exit code: the engine's
 * `validate` command shows these to people.
 */
import { describe, expect, it } from 'vitest';
import type { PreprocessConfig } from '../../src/config/types.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { PreprocessMismatchError, type ModelImageDefaults } from '../../src/preprocess/preprocess-plan.js';
import type { TensorInfo } from '../../src/runtime/tensor.js';
import { config, tensorInfo } from './tensors.js';

const rgb224 = tensorInfo('uint8', [1, 224, 224, 3]);
const gray96 = tensorInfo('uint8', [1, 96, 96, 1]);

function failure(overrides: Partial<PreprocessConfig>, info: TensorInfo, defaults: ModelImageDefaults = {}) {
  try {
    createImagePreprocessor(config(overrides), info, defaults);
  } catch (error) {
    return error as PreprocessMismatchError;
  }
  throw new Error('expected the factory to throw');
}

describe('config against the model', () => {
  const mismatches: Array<[string, Partial<PreprocessConfig>, TensorInfo, string, ModelImageDefaults?]> = [
    ['gray on a 3-channel input', { colour: 'gray' }, rgb224,
      'preprocess.colour: "gray" needs a 1-channel input but the model\'s input "image" is uint8 [1,224,224,3]'],
    ['rgb on a 1-channel input', { colour: 'rgb' }, gray96,
      'preprocess.colour: "rgb" needs a 3-channel input but the model\'s input "image" is uint8 [1,96,96,1]'],
    ['bgr on a 1-channel input', { colour: 'bgr' }, gray96,
      'preprocess.colour: "bgr" needs a 3-channel input but the model\'s input "image" is uint8 [1,96,96,1]'],
    ['an int32 input', {}, tensorInfo('int32', [1, 224, 224, 3]),
      'preprocess: the model\'s input "image" is int32 [1,224,224,3]; images go into uint8, int8 or float32 inputs'],
    ['a vector input', {}, tensorInfo('float32', [1, 10]),
      'preprocess: the model\'s input "image" is float32 [1,10], not an image ([1,H,W,C] or [1,C,H,W] with C = 1 or 3)'],
    ['a batch of two', {}, tensorInfo('float32', [2, 8, 8, 3]),
      'preprocess: the model\'s input "image" is float32 [2,8,8,3], not an image ([1,H,W,C] or [1,C,H,W] with C = 1 or 3)'],
    ['four channels', {}, tensorInfo('float32', [1, 8, 8, 4]),
      'preprocess: the model\'s input "image" is float32 [1,8,8,4], not an image ([1,H,W,C] or [1,C,H,W] with C = 1 or 3)'],
    ['nchw on an NHWC input', { layout: 'nchw' }, rgb224,
      'preprocess.layout: "nchw" needs the channels (1 or 3) second, [1,C,H,W], but the model\'s input "image" is uint8 [1,224,224,3]'],
    ['nhwc on an NCHW input', { layout: 'nhwc' }, tensorInfo('int8', [1, 3, 224, 224]),
      'preprocess.layout: "nhwc" needs the channels (1 or 3) last, [1,H,W,C], but the model\'s input "image" is int8 [1,3,224,224]'],
    ['two means for three channels', { mean: [1, 2], std: [1] }, rgb224,
      'preprocess.mean: has 2 values but the model\'s input "image" is uint8 [1,224,224,3] with 3 channels (give 1 or 3 values)'],
    ['three stds for one channel', { std: [1, 2, 3] }, gray96,
      'preprocess.std: has 3 values but the model\'s input "image" is uint8 [1,96,96,1] with 1 channel (give 1 value)'],
    ['metadata std 0', {}, gray96,
      'model metadata normalization.std: [0] is not usable (set preprocess.mean and preprocess.std)', { normalization: { mean: [1], std: [0] } }],
    ['metadata for three channels on a grey input', {}, gray96,
      'model metadata normalization.mean: has 3 values but the model\'s input "image" is uint8 [1,96,96,1] with 1 channel (set preprocess.mean and preprocess.std); ' +
      'model metadata normalization.std: has 3 values but the model\'s input "image" is uint8 [1,96,96,1] with 1 channel (set preprocess.mean and preprocess.std)',
      { normalization: { mean: [1, 2, 3], std: [1, 2, 3] } }],
    ['a per-channel quantised input', {}, { ...tensorInfo('uint8', [1, 8, 8, 3]), quantization: { scale: 1, zeroPoint: 0, scales: [1, 2, 3], zeroPoints: [0, 0, 0], axis: 3 } },
      'preprocess: the model\'s input "image" is uint8 [1,8,8,3], quantised per channel (3 scales on axis 3); image inputs need one scale and zero point'],
  ];
  for (const [name, overrides, info, message, defaults] of mismatches) {
    it(`refuses ${name}`, () => {
      const error = failure(overrides, info, defaults);
      expect(error).toBeInstanceOf(PreprocessMismatchError);
      expect(error).toMatchObject({ code: 'ERR_PREPROCESS_MISMATCH', exitCode: 2, message });
    });
  }

  it('lists every mismatch at once', () => {
    const error = failure({ colour: 'gray', mean: [1, 2] }, rgb224);
    expect(error.problems).toEqual([
      'preprocess.colour: "gray" needs a 1-channel input but the model\'s input "image" is uint8 [1,224,224,3]',
      'preprocess.mean: has 2 values but the model\'s input "image" is uint8 [1,224,224,3] with 3 channels (give 1 or 3 values)',
    ]);
  });

  it('accepts rank-3 shapes as a batch of one, and an explicit layout for an ambiguous shape', () => {
    expect(createImagePreprocessor(config(), tensorInfo('uint8', [28, 28, 1])).plan.tensor).toMatchObject({ width: 28, height: 28, channels: 1, layout: 'nhwc' });
    expect(createImagePreprocessor(config(), tensorInfo('uint8', [1, 3, 8, 3])).plan.tensor).toMatchObject({ height: 3, width: 8, layout: 'nhwc' });
    expect(createImagePreprocessor(config({ layout: 'nchw' }), tensorInfo('uint8', [1, 3, 8, 3])).plan.tensor).toMatchObject({ height: 8, width: 3, layout: 'nchw' });
  });
});

describe('malformed fields', () => {
  const invalid: Array<[Partial<PreprocessConfig>, string]> = [
    [{ resize: 'stretch' as never }, 'Expected one of "fill", "contain", "cover" for preprocess.resize but received "stretch"'],
    [{ rotate: 45 as never }, 'Expected one of 0, 90, 180, 270 for preprocess.rotate but received 45'],
    [{ flip: 'both' as never }, 'Expected one of "none", "horizontal", "vertical" for preprocess.flip but received "both"'],
    [{ colour: 'rgba' as never }, 'Expected one of "rgb", "bgr", "gray" for preprocess.colour but received "rgba"'],
    [{ layout: 'hwc' as never }, 'Expected one of "nhwc", "nchw" for preprocess.layout but received "hwc"'],
    [{ padColour: [0, 0] as never }, 'Expected three integers 0-255 (R, G, B) for preprocess.pad_colour but received an array of 2'],
    [{ padColour: [0, 0, 256] }, 'Expected an integer between 0 and 255 for preprocess.pad_colour[2] but received 256'],
    [{ roi: { x: 0, y: -1, width: 3, height: 3 } }, 'Expected an integer >= 0 for preprocess.roi.y but received -1'],
    [{ roi: { x: 0, y: 0, width: 0, height: 3 } }, 'Expected an integer >= 1 for preprocess.roi.width but received 0'],
    [{ roi: { x: 0, y: 0, width: 2, height: 1.5 } }, 'Expected an integer >= 1 for preprocess.roi.height but received 1.5'],
    [{ std: [1, 0, 1] }, 'Expected a finite number other than 0 for preprocess.std[1] but received 0'],
    [{ mean: [] }, 'Expected a non-empty list of numbers for preprocess.mean but received an array of 0'],
    [{ mean: [Number.NaN] }, 'Expected a finite number for preprocess.mean[0] but received NaN'],
  ];
  for (const [overrides, message] of invalid) {
    it(message, () => {
      expect(failure(overrides, rgb224)).toMatchObject({ code: 'ERR_INVALID_OPTION', exitCode: 2, message });
    });
  }
});

describe('at run time', () => {
  const info = tensorInfo('uint8', [1, 8, 8, 3]);
  const frame = (format: 'rgb24' | 'i420' | 'yuyv', width: number, height: number, bytes: number) =>
    ({ kind: 'raw' as const, format, width, height, data: new Uint8Array(bytes) });

  it('refuses a region of interest beyond the frame, naming both', async () => {
    const pre = createImagePreprocessor(config({ roi: { x: 600, y: 0, width: 100, height: 100 } }), info);
    await expect(pre.run(frame('rgb24', 640, 480, 640 * 480 * 3), new Uint8Array(192))).rejects.toMatchObject({
      code: 'ERR_PREPROCESS_ROI',
      exitCode: 2,
      message: 'preprocess.roi {x: 600, y: 0, width: 100, height: 100} does not fit the 640x480 frame: x + width = 700 is beyond the frame\'s width 640',
    });
    const below = createImagePreprocessor(config({ roi: { x: 0, y: 400, width: 10, height: 100 } }), info);
    await expect(below.run(frame('rgb24', 640, 480, 640 * 480 * 3), new Uint8Array(192))).rejects.toThrow(
      'does not fit the 640x480 frame: y + height = 500 is beyond the frame\'s height 480',
    );
  });

  it('refuses raw frames whose bytes do not match their format and size', async () => {
    const pre = createImagePreprocessor(config(), info);
    await expect(pre.run(frame('i420', 640, 480, 100), new Uint8Array(192))).rejects.toMatchObject({
      code: 'ERR_RAW_FRAME', exitCode: 1, message: 'raw frame: i420 640x480 takes 460800 bytes but data has 100',
    });
    await expect(pre.run(frame('yuyv', 641, 480, 641 * 480 * 2), new Uint8Array(192))).rejects.toThrow(
      'raw frame: yuyv needs an even width (pixel pairs share U and V), got 641',
    );
    await expect(pre.run({ ...frame('rgb24', 8, 8, 192), format: 'rgba' as never }, new Uint8Array(192))).rejects.toThrow(
      'raw frame: format "rgba" is not one of rgb24, bgr24, gray8, i420, nv12, yuyv',
    );
    await expect(pre.run(frame('rgb24', 0, 8, 0), new Uint8Array(192))).rejects.toThrow('raw frame: rgb24 size 0x8 is not a positive integer size');
  });

  for (const resize of ['fill', 'cover'] as const) {
    it(`refuses bytes that are no image (${resize})`, async () => {
      const pre = createImagePreprocessor(config({ resize }), info);
      await expect(pre.run({ kind: 'encoded', bytes: new Uint8Array([1, 2, 3]) }, new Uint8Array(192))).rejects.toMatchObject({
        code: 'ERR_IMAGE_DECODE', exitCode: 2, message: 'cannot decode the image (3 bytes): Input buffer contains unsupported image format',
      });
    });
  }

  it('refuses a target of the wrong type or size', async () => {
    const pre = createImagePreprocessor(config(), info);
    const image = frame('rgb24', 8, 8, 192);
    await expect(pre.run(image, new Float32Array(192))).rejects.toMatchObject({
      code: 'ERR_PREPROCESS_TARGET',
      message: 'preprocess: the target is a Float32Array of 192 elements but the model\'s input "image" is uint8 [1,8,8,3] (a Uint8Array of 192)',
    });
    await expect(pre.run(image, new Uint8Array(191))).rejects.toThrow('the target is a Uint8Array of 191 elements');
  });
});

/**
 * Colour order x layout x dtype (normalisation and quantisation through the lookup tables), and every raw pixel
 * format, pixel by pixel against the reference at the tensor's own size (no resampling).
 */
import { describe, expect, it } from 'vitest';
import type { ColourOrder, TensorLayout } from '../../src/config/types.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { exactLuma, toTensor, type RefImage, type RefTensorSpec } from './reference.js';
import { bytes, config, targetFor, tensorInfo } from './tensors.js';

const W = 8;
const H = 6;

/** Random RGB pixels whose exact luma is never a tie (x.5), so rounding it has one answer. */
function randomRgb(seed: number): Uint8Array {
  const data = bytes(W * H * 3, seed);
  for (let i = 0; i < data.length; i += 3) {
    while (Math.abs((exactLuma(data[i]!, data[i + 1]!, data[i + 2]!) % 1) - 0.5) < 1e-6) data[i] = (data[i]! + 1) & 255;
  }
  return data;
}

const rgb = randomRgb(11);
const image: RefImage = { width: W, height: H, channels: 3, data: Array.from(rgb) };
const quantizations = { uint8: { scale: 0.0186, zeroPoint: 10 }, int8: { scale: 0.0213, zeroPoint: -14 }, float32: undefined };

function shapeOf(layout: TensorLayout, channels: number): number[] {
  return layout === 'nhwc' ? [1, H, W, channels] : [1, channels, H, W];
}

describe('colour x layout x dtype', () => {
  for (const layout of ['nhwc', 'nchw'] as const) {
    for (const colour of ['rgb', 'bgr', 'gray'] as ColourOrder[]) {
      for (const dtype of ['uint8', 'int8', 'float32'] as const) {
        it(`${colour} ${layout} ${dtype}`, async () => {
          const channels = colour === 'gray' ? 1 : 3;
          const mean = colour === 'gray' ? [115] : [120, 110, 100];
          const std = colour === 'gray' ? [59] : [60, 58, 57];
          const info = tensorInfo(dtype, shapeOf(layout, channels), quantizations[dtype]);
          const target = targetFor(info);
          // The layout is given for NCHW and left to the shape for NHWC.
          const pre = createImagePreprocessor(config({ colour, mean, std, ...(layout === 'nchw' ? { layout } : {}) }), info);
          expect(pre.plan).toMatchObject({ colour, tensor: { layout, channels, dtype }, normalizationSource: 'config' });
          await pre.run({ kind: 'raw', format: 'rgb24', width: W, height: H, data: rgb }, target);
          const spec: RefTensorSpec = { layout, colour, dtype, mean, std, ...(quantizations[dtype] ? { quantization: quantizations[dtype] } : {}) };
          expect(Array.from(target)).toEqual(toTensor(image, spec));
        });
      }
    }
  }

  it('gray is BT.601 luma of the gamma-encoded values, within half a level of exact', async () => {
    const info = tensorInfo('float32', [1, H, W, 1]);
    const target = new Float32Array(W * H);
    await createImagePreprocessor(config({ mean: [0], std: [1] }), info).run({ kind: 'raw', format: 'rgb24', width: W, height: H, data: bytes(W * H * 3, 5) }, target);
    const data = bytes(W * H * 3, 5);
    for (let i = 0; i < W * H; i += 1) {
      expect(Math.abs(target[i]! - exactLuma(data[i * 3]!, data[i * 3 + 1]!, data[i * 3 + 2]!))).toBeLessThanOrEqual(0.5);
    }
  });
});

describe('raw pixel formats', () => {
  const spec: RefTensorSpec = { layout: 'nhwc', colour: 'rgb', dtype: 'uint8', mean: [0], std: [1] };
  const rgbInfo = tensorInfo('uint8', [1, H, W, 3]);
  const grayInfo = tensorInfo('uint8', [1, H, W, 1]);
  const gray = bytes(W * H, 3);
  const grayImage: RefImage = { width: W, height: H, channels: 1, data: Array.from(gray) };
  const run = async (info: ReturnType<typeof tensorInfo>, format: 'rgb24' | 'bgr24' | 'gray8', data: Uint8Array, overrides = {}) => {
    const target = new Uint8Array(info.bytes);
    await createImagePreprocessor(config({ mean: [0], std: [1], ...overrides }), info).run({ kind: 'raw', format, width: W, height: H, data }, target);
    return Array.from(target);
  };

  it('rgb24 into rgb: the pixels as they are', async () => {
    expect(await run(rgbInfo, 'rgb24', rgb)).toEqual(Array.from(rgb));
  });

  it('bgr24 into rgb and bgr: channels swapped once', async () => {
    const bgr = rgb.slice();
    for (let i = 0; i < bgr.length; i += 3) [bgr[i], bgr[i + 2]] = [rgb[i + 2]!, rgb[i]!];
    expect(await run(rgbInfo, 'bgr24', bgr)).toEqual(Array.from(rgb));
    expect(await run(rgbInfo, 'bgr24', bgr, { colour: 'bgr' })).toEqual(Array.from(bgr));
    expect(await run(grayInfo, 'bgr24', bgr)).toEqual(toTensor(image, { ...spec, colour: 'gray' }));
  });

  it('gray8 into gray and into rgb (replicated)', async () => {
    expect(await run(grayInfo, 'gray8', gray)).toEqual(Array.from(gray));
    expect(await run(rgbInfo, 'gray8', gray)).toEqual(toTensor(grayImage, spec));
  });

  it('gray8 through sharp (rotated) stays one channel', async () => {
    const info = tensorInfo('uint8', [1, H, W, 1]);
    const out = await run(info, 'gray8', gray, { rotate: 180 });
    expect(out).toEqual(Array.from(gray).reverse());
  });

  it('letterbox padding takes the pad colour in the tensor colour order', async () => {
    const padColour: [number, number, number] = [10, 20, 30];
    const tall = (c: number) => tensorInfo('uint8', [1, H + 2, W, c]);
    const bgrOut = await run(tall(3), 'rgb24', rgb, { resize: 'contain', padColour, colour: 'bgr' });
    expect(bgrOut.slice(0, 3)).toEqual([30, 20, 10]);
    expect(bgrOut.slice(-3)).toEqual([30, 20, 10]);
    const grayOut = await run(tall(1), 'rgb24', rgb, { resize: 'contain', padColour });
    expect(grayOut[0]).toBe(Math.round(exactLuma(10, 20, 30)));
  });
});

describe('default normalisation', () => {
  const data = bytes(W * H * 3, 9);
  const run = async (info: ReturnType<typeof tensorInfo>, defaults = {}) => {
    const target = targetFor(info);
    const pre = createImagePreprocessor(config(), info, defaults);
    await pre.run({ kind: 'raw', format: 'rgb24', width: W, height: H, data }, target);
    return { values: Array.from(target), plan: pre.plan };
  };

  it('uint8 without metadata: raw pixels', async () => {
    const { values, plan } = await run(tensorInfo('uint8', [1, H, W, 3], { scale: 0.0078125, zeroPoint: 128 }));
    expect(values).toEqual(Array.from(data));
    expect(plan.normalizationSource).toBe('dtype');
  });

  it('int8 without metadata: p - 128', async () => {
    const { values } = await run(tensorInfo('int8', [1, H, W, 3], { scale: 0.0186, zeroPoint: -3 }));
    expect(values).toEqual(Array.from(data, (p) => p - 128));
  });

  it('float32 without metadata: p / 255', async () => {
    const { values } = await run(tensorInfo('float32', [1, H, W, 3]));
    expect(values).toEqual(Array.from(data, (p) => Math.fround(p / 255)));
  });

  it('metadata mean/std 127.5 on a TF1 uint8 input (scale 1/128, zero point 128) snaps to raw pixels', async () => {
    const { values, plan } = await run(tensorInfo('uint8', [1, H, W, 3], { scale: 0.0078125, zeroPoint: 128 }), { normalization: { mean: [127.5], std: [127.5] } });
    expect(values).toEqual(Array.from(data));
    expect(plan.normalizationSource).toBe('metadata');
  });

  it('metadata mean/std on a float input: (p - mean) / std', async () => {
    const { values } = await run(tensorInfo('float32', [1, H, W, 3]), { normalization: { mean: [127.5], std: [127.5] } });
    expect(values).toEqual(Array.from(data, (p) => Math.fround((p - 127.5) / 127.5)));
  });

  it('an 8-bit input without quantisation parameters takes the normalised value rounded and clamped', async () => {
    const info = tensorInfo('uint8', [1, H, W, 3]);
    const target = new Uint8Array(info.bytes);
    await createImagePreprocessor(config({ mean: [100], std: [0.5] }), info).run({ kind: 'raw', format: 'rgb24', width: W, height: H, data }, target);
    expect(Array.from(target)).toEqual(Array.from(data, (p) => Math.min(255, Math.max(0, Math.round((p - 100) / 0.5)))));
  });
});

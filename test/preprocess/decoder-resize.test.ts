/**
 * When the camera's decoder may resize to the model's size (decoder-resize.ts), and what the preprocessor does with
 * a frame resized that way: the pixels go into the tensor as they are, and results map back to the full frame.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { decoderResize } from '../../src/preprocess/decoder-resize.js';
import { createImagePreprocessor } from '../../src/preprocess/image-preprocessor.js';
import { bytes, config, tensorInfo } from './tensors.js';

const model = tensorInfo('uint8', [1, 300, 300, 3], { scale: 0.0078125, zeroPoint: 128 });

function pipeline(extra: string, source = '{ kind: camera, input: /data/clip.mp4, decoder_resize: true }') {
  const yaml = `
version: 1
pipelines:
  - name: p
    source: ${source}
    model: { file: /models/ssd.tflite }
    postprocess: { kind: detect-ssd }
${extra}`;
  return parseConfig(path.join('/tmp', 'p.yaml'), yaml).pipelines[0]!;
}

describe('decoder resize: when', () => {
  const none = { sinks: [], extraStages: false };

  it('a file into a fill preprocess with nothing reading the frame: resized to the model input', () => {
    expect(decoderResize(pipeline(''), model, none)).toEqual({ width: 300, height: 300 });
    expect(decoderResize(pipeline('    preprocess: { resize: fill }', '{ kind: camera, input: /dev/video0, output: i420, decoder_resize: true }'), model, none)).toEqual({ width: 300, height: 300 });
  });

  it.each([
    ['    preprocess: { resize: contain }', 'preprocess.resize contain'],
    ['    preprocess: { roi: { x: 0, y: 0, width: 10, height: 10 } }', 'preprocess.roi'],
    ['    preprocess: { rotate: 90 }', 'preprocess.rotate/flip'],
    ['    motion: {}', 'motion reads full frames'],
    ['    track: {}', 'tracking keeps full-frame pictures'],
  ])('not with %s', (extra, reason) => {
    expect(decoderResize(pipeline(extra), model, none)).toEqual({ reason });
  });

  it('not unless the config says decoder_resize: true (the default is false), nor for mjpeg or gray8 output, or a command', () => {
    expect(decoderResize(pipeline('', '{ kind: camera, input: /data/clip.mp4, decoder_resize: false }'), model, none)).toEqual({ reason: 'decoder_resize: false' });
    expect(decoderResize(pipeline('', '{ kind: camera, input: /data/clip.mp4 }'), model, none)).toEqual({ reason: 'decoder_resize: false' });
    expect(decoderResize(pipeline('', '{ kind: camera, input: /data/clip.mp4, output: mjpeg, decoder_resize: true }'), model, none)).toEqual({ reason: 'output mjpeg' });
    expect(decoderResize(pipeline('', '{ kind: camera, input: /data/clip.mp4, output: gray8, decoder_resize: true }'), model, none)).toEqual({ reason: 'output gray8' });
  });

  it('not when a sink may ask for frames (snapshots, the live view: wantsFrame defined even while false), nor with outside stages', () => {
    expect(decoderResize(pipeline(''), model, { sinks: [{}, { wantsFrame: false }], extraStages: false })).toEqual({ reason: 'a sink reads frames' });
    expect(decoderResize(pipeline(''), model, { sinks: [{}], extraStages: false })).toEqual({ width: 300, height: 300 });
    expect(decoderResize(pipeline(''), model, { sinks: [], extraStages: true })).toEqual({ reason: 'stages from outside the config' });
  });

  it('not for a grey model', () => {
    expect(decoderResize(pipeline(''), tensorInfo('uint8', [1, 96, 96, 1]), none)).toEqual({ reason: 'the model input is not a 3-channel image' });
  });
});

describe('decoder resize: preprocessing a resized frame', () => {
  const info = tensorInfo('uint8', [1, 20, 30, 3]);
  const data = bytes(30 * 20 * 3, 7);

  it('writes the pixels as they are and maps tensor points to the full frame', async () => {
    const pre = createImagePreprocessor(config({ mean: [0], std: [1] }), info);
    const target = new Uint8Array(30 * 20 * 3);
    const geometry = await pre.run({ kind: 'raw', format: 'rgb24', width: 30, height: 20, data, scaledFrom: { width: 300, height: 400 } }, target);
    expect(Buffer.compare(Buffer.from(target), Buffer.from(data))).toBe(0);
    expect(geometry).toMatchObject({ sourceWidth: 300, sourceHeight: 400 });
    expect(geometry.toSource(0.5, 0.25)).toEqual({ x: 150, y: 100 });
  });

  it('refuses one that does not match the preprocessing, saying how to turn the resize off', async () => {
    const pre = createImagePreprocessor(config({ resize: 'contain', mean: [0], std: [1] }), info);
    await expect(pre.run({ kind: 'raw', format: 'rgb24', width: 30, height: 20, data, scaledFrom: { width: 300, height: 400 } }, new Uint8Array(30 * 20 * 3)))
      .rejects.toThrow('raw frame: resized by the decoder from 300x400 to 30x20 rgb24, which is not this pipeline\'s preprocessing (contain to 30x20); set source.decoder_resize: false');
  });
});

describe('tensor writer: tables that change nothing copy whole rows', () => {
  const identity = new Uint8Array(256).map((_, i) => i);
  const shifted = new Uint8Array(256).map((_, i) => Math.min(255, i + 1));
  const tensor = { width: 8, height: 6, channels: 3, layout: 'nhwc', dtype: 'uint8' } as const;
  // A 5x3 window at (2, 1) of a 9-pixel-wide frame, placed at (1, 2) of the tensor; the rest is the pad colour.
  const frame = bytes(9 * 4 * 3, 3);
  const view = { data: frame, width: 5, height: 3, channels: 3, order: 'rgb', offset: (1 * 9 + 2) * 3, rowStride: 9 * 3 } as const;

  function expected(lut: Uint8Array): Uint8Array {
    const out = new Uint8Array(8 * 6 * 3);
    for (let y = 0; y < 6; y += 1) for (let x = 0; x < 8; x += 1) for (let c = 0; c < 3; c += 1) {
      const inside = x >= 1 && x < 6 && y >= 2 && y < 5;
      out[(y * 8 + x) * 3 + c] = lut[inside ? frame[view.offset + (y - 2) * view.rowStride + (x - 1) * 3 + c]! : [10, 20, 30][c]!]!;
    }
    return out;
  }

  it.each([['identity', identity], ['shifted by one', shifted]])('%s tables: the same bytes as a lookup per byte', async (_, lut) => {
    const { createTensorWriter } = await import('../../src/preprocess/tensor-writer.js');
    const writer = createTensorWriter(tensor, 'rgb', [lut, lut, lut], [10, 20, 30]);
    const target = new Uint8Array(8 * 6 * 3).fill(99);
    writer.write(view, 1, 2, target);
    expect(Array.from(target)).toEqual(Array.from(expected(lut)));
  });
});

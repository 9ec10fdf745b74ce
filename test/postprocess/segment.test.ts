import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostprocessor, type Result } from '../../src/postprocess/index.js';
import { vocPalette } from '../../src/postprocess/mask-png.js';
import type { SegmentConfig } from '../../src/config/types.js';
import { info, mismatchMessage, outputsOf, quantization, sync, tensor } from './tensors.js';

const config: SegmentConfig = { kind: 'segment', minFraction: 0, keepMasks: 0 };
const context = { labelOffset: 0, modelName: 'deeplab.tflite' };
const pascal = ['background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat'];

// 4x4 class map: 8 pixels background, 5 cat, 2 car, 1 class 300 (outside the palette).
const map = [0, 0, 0, 0, 0, 8, 8, 0, 0, 8, 8, 8, 7, 7, 0, 300];

function segment(result: Result) {
  if (result.kind !== 'segment') throw new Error(`expected segment, got ${result.kind}`);
  return result;
}

/** Palette indices of an 8-bit indexed PNG (filter type 0 rows, as mask-png writes them). */
function pngIndices(png: Buffer): { width: number; height: number; colourType: number; indices: Uint8Array } {
  let at = 8;
  const idat: Buffer[] = [];
  let header: Buffer | undefined;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const width = header!.readUInt32BE(0);
  const height = header!.readUInt32BE(4);
  const rows = inflateSync(Buffer.concat(idat));
  const indices = new Uint8Array(width * height);
  for (let y = 0; y < height; y += 1) {
    expect(rows[y * (width + 1)]).toBe(0);
    indices.set(rows.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, colourType: header![9]!, indices };
}

describe('segment', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'edgepipe-segment-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports class fractions of an int64 ArgMax map, largest first, with labels', async () => {
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int64', [1, 4, 4], map));
    const result = segment(await createPostprocessor(config, infos, { ...context, labels: pascal }).run(tensors, undefined));
    expect(result).toEqual({
      kind: 'segment',
      classes: [
        { index: 0, label: 'background', score: 0.5, fraction: 0.5 },
        { index: 8, label: 'cat', score: 5 / 16, fraction: 5 / 16 },
        { index: 7, label: 'car', score: 2 / 16, fraction: 2 / 16 },
        { index: 300, score: 1 / 16, fraction: 1 / 16 },
      ],
    });
  });

  it('leaves out classes under min_fraction and applies the label offset', async () => {
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int32', [1, 4, 4, 1], map));
    const post = createPostprocessor({ ...config, minFraction: 0.25 }, infos, { ...context, labels: ['void', ...pascal], labelOffset: 1 });
    expect(segment(await post.run(tensors, undefined)).classes).toEqual([
      { index: 0, label: 'background', score: 0.5, fraction: 0.5 },
      { index: 8, label: 'cat', score: 5 / 16, fraction: 5 / 16 },
    ]);
  });

  it('takes the argmax of uint8 class scores [1,H,W,C] per pixel', async () => {
    const q = quantization(1 / 256, 0);
    // 2x2 pixels, 3 classes: winners 2, 0, 2, 1.
    const scores = [0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.0, 0.4, 0.6, 0.2, 0.6, 0.2];
    const { infos, tensors } = outputsOf(tensor('logits', 'uint8', [1, 2, 2, 3], scores, q));
    const post = createPostprocessor(config, infos, { ...context, labels: ['background', 'person', 'cat'] });
    expect(segment(await post.run(tensors, undefined)).classes.map((c) => [c.label, c.fraction])).toEqual([
      ['cat', 0.5],
      ['background', 0.25],
      ['person', 0.25],
    ]);
  });

  it('writes an indexed PNG per frame: pixel = class id, VOC colours, 255 for classes beyond it', async () => {
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int64', [1, 4, 4], map));
    const maskDir = path.join(dir, 'masks', 'nested');
    const post = createPostprocessor({ ...config, maskDir }, infos, context);
    const pending = post.run(tensors, undefined, { id: 7, pipeline: 'cam' });
    // The views are reused by the next invoke as soon as run() returns: the mask must not read them later.
    (tensors.values[0] as BigInt64Array).fill(1n);
    const result = segment(await pending);
    expect(result.mask).toBe(path.join(maskDir, 'cam-00000007.png'));
    const png = await readFile(result.mask!);
    const decoded = pngIndices(png);
    expect(decoded).toMatchObject({ width: 4, height: 4, colourType: 3 });
    expect(Array.from(decoded.indices)).toEqual(map.map((c) => (c > 255 ? 255 : c)));
    // sharp (libvips) reads it, and sees the VOC colours.
    const { data, info: meta } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([meta.width, meta.height]).toEqual([4, 4]);
    const palette = vocPalette();
    const catPixel = 5 * meta.channels;
    expect(Array.from(data.subarray(catPixel, catPixel + 3))).toEqual(Array.from(palette.subarray(8 * 3, 8 * 3 + 3)));
    expect(Array.from(palette.subarray(0, 3 * 3))).toEqual([0, 0, 0, 128, 0, 0, 0, 128, 0]);
    expect(Array.from(palette.subarray(15 * 3, 15 * 3 + 3))).toEqual([192, 128, 128]); // person
  });

  it('numbers masks itself when no frame is given', async () => {
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int32', [1, 4, 4], map));
    const maskDir = path.join(dir, 'unnamed');
    const post = createPostprocessor({ ...config, maskDir }, infos, context);
    expect(segment(await post.run(tensors, undefined)).mask).toBe(path.join(maskDir, 'mask-1.png'));
    expect(segment(await post.run(tensors, undefined)).mask).toBe(path.join(maskDir, 'mask-2.png'));
  });

  it("keeps only the pipeline's newest keep_masks files, counting those an earlier run left", async () => {
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int32', [1, 4, 4], map));
    const maskDir = path.join(dir, 'bounded');
    await mkdir(maskDir);
    // An earlier run's masks (older), and another pipeline's file that must be left alone.
    await writeFile(path.join(maskDir, 'door-00000090.png'), 'old');
    await writeFile(path.join(maskDir, 'door-00000091.png'), 'old');
    await writeFile(path.join(maskDir, 'yard-00000001.png'), 'other');
    const past = new Date(Date.now() - 60_000);
    await utimes(path.join(maskDir, 'door-00000090.png'), past, past);
    await utimes(path.join(maskDir, 'door-00000091.png'), past, past);
    const post = createPostprocessor({ ...config, maskDir, keepMasks: 3 }, infos, context);
    for (const id of [1, 2, 3]) await post.run(tensors, undefined, { id, pipeline: 'door' });
    expect((await readdir(maskDir)).sort()).toEqual(['door-00000001.png', 'door-00000002.png', 'door-00000003.png', 'yard-00000001.png']);
    // A frame id seen again after a restart overwrites its file; the bound still holds.
    await post.run(tensors, undefined, { id: 1, pipeline: 'door' });
    await post.run(tensors, undefined, { id: 4, pipeline: 'door' });
    expect((await readdir(maskDir)).sort()).toEqual(['door-00000001.png', 'door-00000004.png', 'door-00000003.png', 'yard-00000001.png'].sort());
  });

  it('rejects with the path when the mask cannot be written', async () => {
    const blocker = path.join(dir, 'a-file');
    await writeFile(blocker, 'not a folder');
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int32', [1, 4, 4], map));
    const post = createPostprocessor({ ...config, maskDir: blocker }, infos, context);
    await expect(post.run(tensors, undefined, { id: 1, pipeline: 'p' })).rejects.toMatchObject({
      code: 'ERR_MASK_WRITE',
      message: expect.stringContaining(`postprocess.mask_dir: cannot write ${path.join(blocker, 'p-00000001.png')}: `),
    });
  });

  it('answers synchronously without a mask folder', () => {
    const { infos, tensors } = outputsOf(tensor('ArgMax', 'int32', [1, 4, 4], map));
    expect(sync(createPostprocessor(config, infos, context).run(tensors, undefined)).kind).toBe('segment');
  });

  describe('mismatches', () => {
    it('needs a class map or class scores', () => {
      const expected = (has: string) =>
        `postprocess.kind: segment needs a first output with a class map [1,H,W] (int32 or int64) or class scores [1,H,W,C] but deeplab.tflite has 1 output ${has}`;
      expect(mismatchMessage(() => createPostprocessor(config, [info('Identity', 'uint8', [1, 1001])], context))).toBe(expected('"Identity" uint8 [1,1001]'));
      expect(mismatchMessage(() => createPostprocessor(config, [info('f', 'float32', [1, 64, 64])], context))).toBe(expected('"f" float32 [1,64,64]'));
    });

    it('checks labels against the classes of a score map', () => {
      expect(mismatchMessage(() => createPostprocessor(config, [info('s', 'uint8', [1, 8, 8, 21])], { ...context, labels: pascal }))).toBe(
        'model.labels: 9 labels but output "s" has 21 classes',
      );
    });
  });
});

/**
 * Annotations land on the right pixels, decoded back from the JPEG: raw RGB/BGR/gray and YUV frames, and an
 * EXIF-rotated JPEG whose boxes are in upright coordinates. JPEG is lossy, so colours are compared with a
 * tolerance; the box colours are far from the image colours, so a miss cannot pass.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Result } from '../../src/core/result.js';
import { yuvToRgb } from '../../src/preprocess/yuv.js';
import { renderSnapshot, type SnapshotOutcome } from '../../src/snapshot/annotate.js';
import { classColour } from '../../src/snapshot/svg.js';
import { decode, distance, pixel, solidI420, solidRgb, type Decoded } from './images.js';

const GREY: [number, number, number] = [100, 100, 100];
const BOX = { x: 100, y: 120, width: 200, height: 150 };
const person: Result = { kind: 'detect', objects: [{ index: 0, label: 'person', score: 0.91, box: BOX }] };

async function jpegOf(outcome: SnapshotOutcome): Promise<Decoded> {
  if (!('jpeg' in outcome)) throw new Error(outcome.error);
  const image = await decode(outcome.jpeg);
  expect([image.width, image.height]).toEqual([outcome.width, outcome.height]);
  return image;
}

/** The middle of each side of `box` (scaled by `s`) has the class colour; the box's centre keeps `inside`. */
function expectBox(image: Decoded, box: typeof BOX, index: number, inside: readonly number[], s = 1): void {
  const colour = classColour(index);
  const [x0, y0, x1, y1] = [box.x * s, box.y * s, (box.x + box.width) * s, (box.y + box.height) * s].map(Math.round) as [number, number, number, number];
  const midX = Math.round((x0 + x1) / 2);
  const midY = Math.round((y0 + y1) / 2);
  for (const [x, y] of [[x0, midY], [x1, midY], [midX, y0], [midX, y1]] as const) {
    expect(distance(pixel(image, x, y), colour), `outline pixel ${x},${y}`).toBeLessThanOrEqual(50);
  }
  expect(distance(pixel(image, midX, midY), inside), 'centre pixel').toBeLessThanOrEqual(4);
}

describe('annotatedSnapshot pixels', () => {
  it('draws a detect box on a raw rgb24 frame: outline in the class colour, inside untouched', async () => {
    const frame = { kind: 'raw', format: 'rgb24', width: 640, height: 480, data: solidRgb(640, 480, GREY) } as const;
    const two: Result = { kind: 'detect', objects: [...(person.kind === 'detect' ? person.objects : []), { index: 1, score: 0.5, box: { x: 380, y: 200, width: 150, height: 100 } }] };
    const outcome = await renderSnapshot(frame, two, { maxBytes: 1_000_000 });
    const image = await jpegOf(outcome);
    expect([image.width, image.height]).toEqual([640, 480]);
    expect(outcome).toMatchObject({ quality: 80 });
    expectBox(image, BOX, 0, GREY);
    expectBox(image, { x: 380, y: 200, width: 150, height: 100 }, 1, GREY);
    // The tag sits above the box, filled with the class colour.
    expect(distance(pixel(image, BOX.x + 2, BOX.y - 8), classColour(0))).toBeLessThanOrEqual(50);
    expect(distance(pixel(image, 20, 20), GREY)).toBeLessThanOrEqual(4);
  });

  it('scales result coordinates when maxWidth shrinks the frame', async () => {
    const frame = { kind: 'raw', format: 'rgb24', width: 640, height: 480, data: solidRgb(640, 480, GREY) } as const;
    const image = await jpegOf(await renderSnapshot(frame, person, { maxBytes: 1_000_000, maxWidth: 320 }));
    expect([image.width, image.height]).toEqual([320, 240]);
    expectBox(image, BOX, 0, GREY, 0.5);
  });

  it('converts an i420 frame with the preprocessor conversion and draws on it', async () => {
    const data = solidI420(320, 240, 145, 54, 34);
    const expected = new Uint8Array(3);
    yuvToRgb({ format: 'i420', width: 320, height: 240, data }, { x: 0, y: 0, width: 1, height: 1 }, false, expected);
    const box = { x: 40, y: 60, width: 120, height: 100 };
    const result: Result = { kind: 'detect', objects: [{ index: 1, label: 'car', score: 0.7, box }] };
    const image = await jpegOf(await renderSnapshot({ kind: 'raw', format: 'i420', width: 320, height: 240, data }, result, { maxBytes: 1_000_000 }));
    expect([image.width, image.height]).toEqual([320, 240]);
    expectBox(image, box, 1, [...expected]);
  });

  it('halves a wide nv12 frame before converting it and still scales the box', async () => {
    const width = 640;
    const height = 480;
    const data = solidI420(width, height, 126, 128, 128);
    const image = await jpegOf(await renderSnapshot({ kind: 'raw', format: 'nv12', width, height, data }, person, { maxBytes: 1_000_000, maxWidth: 320 }));
    expect([image.width, image.height]).toEqual([320, 240]);
    expectBox(image, BOX, 0, pixel(image, 10, 10), 0.5);
    expect(distance(pixel(image, 10, 10), [128, 128, 128])).toBeLessThanOrEqual(4);
  });

  it('reads bgr24 as blue-green-red and gray8 as grey', async () => {
    const bgr = solidRgb(200, 100, [255, 0, 0]);
    const blue = await jpegOf(await renderSnapshot({ kind: 'raw', format: 'bgr24', width: 200, height: 100, data: bgr }, { kind: 'detect', objects: [] }, { maxBytes: 1_000_000 }));
    expect(distance(pixel(blue, 100, 50), [0, 0, 255])).toBeLessThanOrEqual(6);
    const gray = new Uint8Array(200 * 100).fill(70);
    const box = { x: 20, y: 30, width: 100, height: 50 };
    const image = await jpegOf(await renderSnapshot({ kind: 'raw', format: 'gray8', width: 200, height: 100, data: gray }, { kind: 'detect', objects: [{ index: 2, score: 0.9, box }] }, { maxBytes: 1_000_000 }));
    expectBox(image, box, 2, [70, 70, 70]);
  });

  it('turns an EXIF orientation 6 JPEG upright and draws at upright coordinates', async () => {
    // Upright 120x200, a blue square at (10..40, 150..180); stored rotated back, tagged orientation 6 (90 cw).
    const upright = solidRgb(120, 200, GREY);
    for (let y = 150; y < 180; y += 1) for (let x = 10; x < 40; x += 1) upright.set([0, 0, 255], (y * 120 + x) * 3);
    const stored = await sharp(upright, { raw: { width: 120, height: 200, channels: 3 } }).rotate(270).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([200, 120, 6]);
    // Below the stored image's height: only drawable in upright coordinates.
    const box = { x: 60, y: 110, width: 50, height: 80 };
    const image = await jpegOf(await renderSnapshot({ kind: 'encoded', bytes: stored }, { kind: 'detect', objects: [{ index: 2, score: 0.8, box }] }, { maxBytes: 1_000_000 }));
    expect([image.width, image.height]).toEqual([120, 200]);
    expectBox(image, box, 2, GREY);
    expect(distance(pixel(image, 25, 165), [0, 0, 255])).toBeLessThanOrEqual(30);
  });

  it('draws visible pose keypoints and the limbs between them, and skips keypoints under their threshold', async () => {
    const frame = { kind: 'raw', format: 'rgb24', width: 400, height: 400, data: solidRgb(400, 400, GREY) } as const;
    const kp = (name: string, x: number, y: number, visible: boolean) => ({ name, x, y, score: visible ? 0.9 : 0.1, visible });
    const result: Result = {
      kind: 'pose',
      keypoints: [kp('left_shoulder', 100, 100, true), kp('left_elbow', 100, 300, true), kp('right_wrist', 300, 300, false), kp('right_elbow', 300, 100, true)],
    };
    const image = await jpegOf(await renderSnapshot(frame, result, { maxBytes: 1_000_000 }));
    const orange = [255, 160, 0];
    expect(distance(pixel(image, 100, 100), orange)).toBeLessThanOrEqual(50);
    expect(distance(pixel(image, 100, 200), orange), 'the shoulder-elbow limb').toBeLessThanOrEqual(50);
    expect(distance(pixel(image, 300, 100), [0, 200, 220])).toBeLessThanOrEqual(50);
    expect(distance(pixel(image, 300, 200), GREY), 'no limb to an invisible wrist').toBeLessThanOrEqual(4);
    expect(distance(pixel(image, 300, 300), GREY), 'invisible keypoint').toBeLessThanOrEqual(4);
  });

  it('puts a dark text panel in the corner for classify, and a red frame for a scalar anomaly', async () => {
    const frame = { kind: 'raw', format: 'rgb24', width: 320, height: 240, data: solidRgb(320, 240, [200, 200, 200]) } as const;
    const classify = await jpegOf(await renderSnapshot(frame, { kind: 'classify', classes: [{ index: 3, label: 'cat', score: 0.8 }] }, { maxBytes: 1_000_000 }));
    expect(Math.max(...pixel(classify, 2, 2))).toBeLessThan(110);
    expect(distance(pixel(classify, 300, 200), [200, 200, 200])).toBeLessThanOrEqual(4);
    const scalar = await jpegOf(await renderSnapshot(frame, { kind: 'scalar', value: 3.2, anomaly: true }, { maxBytes: 1_000_000 }));
    expect(distance(pixel(scalar, 317, 120), [255, 40, 40])).toBeLessThanOrEqual(50);
    const normal = await jpegOf(await renderSnapshot(frame, { kind: 'scalar', value: 3.2, anomaly: false }, { maxBytes: 1_000_000 }));
    expect(distance(pixel(normal, 317, 120), [200, 200, 200])).toBeLessThanOrEqual(4);
  });
});

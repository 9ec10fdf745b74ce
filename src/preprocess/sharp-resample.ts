/**
 * One sharp (libvips) pipeline per frame: EXIF orientation, extract, resize, crop, flip and rotation, to 8-bit
 * interleaved pixels. Sizes and offsets come from the frame plan; this file only maps them onto sharp's
 * fixed order of operations, which is (sharp 0.35 src/pipeline.cc, with resize() called before rotate()):
 *   EXIF orientation -> pre-resize extract -> resize -> flip (up-down) -> flop (left-right) -> rotate -> post-resize extract.
 * sharp flips before it rotates while edgepipe flips after rotating, so a flip is swapped for 90/270.
 * Calling rotate() before resize() would make sharp rotate the full-size image first (`rotateBefore`), which is
 * slower; calling extract() before autoOrient() would extract from the un-oriented image.
 */
import sharp from 'sharp';
import type { Flip, Rotation } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { PixelRect } from './frame-plan.js';
import { rotatedSize, swapsAxes } from './orientation.js';
import type { ResizeKernel } from './preprocess-plan.js';

export type SharpSource =
  | { kind: 'encoded'; bytes: Buffer }
  | { kind: 'raw'; data: Buffer; width: number; height: number; channels: 1 | 3 };

export interface SharpSteps {
  /** Region of the (EXIF-oriented) source to use; none = all. */
  extract: PixelRect | undefined;
  /** Resize target before rotation, pixels. */
  width: number;
  height: number;
  /** Clockwise, then `flip` in the rotated frame. */
  rotate: Rotation;
  flip: Flip;
  /** Window cut from the resized, rotated image; none = all. */
  crop: PixelRect | undefined;
  kernel: ResizeKernel;
}

export interface SharpPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Runs the steps; encoded images come out as sRGB without alpha (3 channels), raw ones keep their channels. */
export async function resampleWithSharp(source: SharpSource, steps: SharpSteps): Promise<SharpPixels> {
  let image =
    source.kind === 'encoded'
      ? sharp(source.bytes).autoOrient()
      : sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } });
  if (steps.extract) {
    const e = steps.extract;
    image = image.extract({ left: e.x, top: e.y, width: e.width, height: e.height });
  }
  image = image.resize(steps.width, steps.height, { fit: 'fill', kernel: steps.kernel });
  if (steps.crop) {
    const c = steps.crop;
    image = image.extract({ left: c.x, top: c.y, width: c.width, height: c.height });
  }
  const swap = swapsAxes(steps.rotate);
  if (steps.flip === (swap ? 'horizontal' : 'vertical')) image = image.flip();
  if (steps.flip === (swap ? 'vertical' : 'horizontal')) image = image.flop();
  if (steps.rotate !== 0) image = image.rotate(steps.rotate);
  // Encoded images become sRGB without alpha; raw frames keep their channels (1-channel raw would otherwise come
  // out as 3-channel sRGB).
  if (source.kind === 'encoded') image = image.removeAlpha().toColourspace('srgb');
  else if (source.channels === 1) image = image.toColourspace('b-w');
  const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const expected = steps.crop ?? rotatedSize({ width: steps.width, height: steps.height }, steps.rotate);
  const channels = source.kind === 'encoded' ? 3 : source.channels;
  if (info.width !== expected.width || info.height !== expected.height || info.channels !== channels) {
    // Guards the operation order above against a sharp upgrade that changes it.
    throw new EdgepipeError(
      'ERR_INTERNAL',
      `internal: sharp produced ${info.width}x${info.height}x${info.channels}, planned ${expected.width}x${expected.height}x${channels}`,
    );
  }
  return { data, width: info.width, height: info.height, channels };
}

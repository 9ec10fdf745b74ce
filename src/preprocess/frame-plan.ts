/**
 * Where one frame's pixels go: the region of interest, rotation, flip and resize mode turned into integer
 * operations (extract, resize, post-rotation crop, padding offset) for a frame of a known size. Every size and
 * offset is decided here, not inside sharp, so `image-geometry.ts` can invert the mapping exactly.
 */
import type { Flip, RegionOfInterest, ResizeMode, Rotation } from '../config/types.js';
import { EdgepipeError } from '../runtime/errors.js';
import { rotatedSize, swapsAxes, unorientPoint, type Size } from './orientation.js';

export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The per-pipeline geometry settings a frame plan is made from. */
export interface GeometrySettings {
  /** Tensor image plane, pixels. */
  tensorWidth: number;
  tensorHeight: number;
  resize: ResizeMode;
  rotate: Rotation;
  flip: Flip;
  /** In source pixels (after EXIF orientation for encoded images). */
  roi: RegionOfInterest | undefined;
}

export interface FramePlan extends GeometrySettings {
  /** The frame as received (after EXIF orientation), pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** The part of the source that is used, integer source pixels. */
  extract: PixelRect;
  /** Size the extract is resized to, before rotation (so width pairs with the extract's width). */
  resizeWidth: number;
  resizeHeight: number;
  /** `cover` done after resizing: the tensor-sized window cut from the resized, rotated image. */
  crop: PixelRect | undefined;
  /** Where the (cropped) image's top-left lands in the tensor; > 0 only for `contain` (the rest is padding). */
  left: number;
  top: number;
}

/**
 * How `cover` cuts: `pre-crop` cuts the source (less to decode, convert and resize: raw frames, or encoded images
 * with a region of interest, which already disables sharp's JPEG shrink-on-load); `post-crop` resizes the whole
 * image and cuts the result (keeps JPEG shrink-on-load: 720p JPEG cover 4.3 ms instead of 6.0 ms here).
 */
export type CoverStrategy = 'pre-crop' | 'post-crop';

function roiProblem(roi: RegionOfInterest, width: number, height: number): string | undefined {
  if (roi.x + roi.width > width) return `x + width = ${roi.x + roi.width} is beyond the frame's width ${width}`;
  if (roi.y + roi.height > height) return `y + height = ${roi.y + roi.height} is beyond the frame's height ${height}`;
  return undefined;
}

/** Throws ERR_PREPROCESS_ROI when the region of interest does not lie inside a `width` x `height` frame. */
export function checkRoiFits(roi: RegionOfInterest | undefined, width: number, height: number, what = 'frame'): void {
  if (!roi) return;
  const problem = roiProblem(roi, width, height);
  if (problem) {
    throw new EdgepipeError(
      'ERR_PREPROCESS_ROI',
      `preprocess.roi {x: ${roi.x}, y: ${roi.y}, width: ${roi.width}, height: ${roi.height}} does not fit the ` +
        `${width}x${height} ${what}: ${problem}`,
      { exitCode: 2 },
    );
  }
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, value));
}

/** `contain`: the largest size with the region's aspect that fits the tensor (one side exact). */
function containSize(region: Size, tensor: Size): Size {
  if (region.width * tensor.height >= region.height * tensor.width) {
    return { width: tensor.width, height: clamp(Math.round((region.height * tensor.width) / region.width), 1, tensor.height) };
  }
  return { width: clamp(Math.round((region.width * tensor.height) / region.height), 1, tensor.width), height: tensor.height };
}

/** `cover`: the smallest size with the region's aspect that covers the tensor (one side exact). */
function coverSize(region: Size, tensor: Size): Size {
  if (region.width * tensor.height >= region.height * tensor.width) {
    return { width: Math.max(tensor.width, Math.round((region.width * tensor.height) / region.height)), height: tensor.height };
  }
  return { width: tensor.width, height: Math.max(tensor.height, Math.round((region.height * tensor.width) / region.width)) };
}

/** The centred window with the tensor's aspect inside a region (in the rotated frame), integer pixels. */
function centredAspectWindow(region: Size, tensor: Size): PixelRect {
  if (region.width * tensor.height > region.height * tensor.width) {
    const width = clamp(Math.round((region.height * tensor.width) / tensor.height), 1, region.width);
    return { x: Math.floor((region.width - width) / 2), y: 0, width, height: region.height };
  }
  const height = clamp(Math.round((region.width * tensor.height) / tensor.width), 1, region.height);
  return { x: 0, y: Math.floor((region.height - height) / 2), width: region.width, height };
}

/**
 * Plans one frame of `sourceWidth` x `sourceHeight` pixels. Throws ERR_PREPROCESS_ROI when the region of interest
 * does not fit the frame.
 */
export function planFrame(
  settings: GeometrySettings,
  sourceWidth: number,
  sourceHeight: number,
  cover: CoverStrategy = 'pre-crop',
): FramePlan {
  checkRoiFits(settings.roi, sourceWidth, sourceHeight);
  const roi: PixelRect = settings.roi ? { ...settings.roi } : { x: 0, y: 0, width: sourceWidth, height: sourceHeight };
  const tensor: Size = { width: settings.tensorWidth, height: settings.tensorHeight };
  const oriented = rotatedSize(roi, settings.rotate);
  let extract = roi;
  let resized: Size = tensor;
  let crop: PixelRect | undefined;
  let left = 0;
  let top = 0;
  if (settings.resize === 'contain') {
    resized = containSize(oriented, tensor);
    left = Math.floor((tensor.width - resized.width) / 2);
    top = Math.floor((tensor.height - resized.height) / 2);
  } else if (settings.resize === 'cover' && cover === 'post-crop') {
    resized = coverSize(oriented, tensor);
    crop = {
      x: Math.floor((resized.width - tensor.width) / 2),
      y: Math.floor((resized.height - tensor.height) / 2),
      width: tensor.width,
      height: tensor.height,
    };
    if (crop.x === 0 && crop.y === 0 && resized.width === tensor.width && resized.height === tensor.height) crop = undefined;
  } else if (settings.resize === 'cover') {
    // Cut the window in the rotated, flipped frame, then map its corners back to the source.
    const window = centredAspectWindow(oriented, tensor);
    const a = unorientPoint({ x: window.x, y: window.y }, roi, settings.rotate, settings.flip);
    const b = unorientPoint({ x: window.x + window.width, y: window.y + window.height }, roi, settings.rotate, settings.flip);
    extract = {
      x: roi.x + Math.min(a.x, b.x),
      y: roi.y + Math.min(a.y, b.y),
      width: Math.abs(a.x - b.x),
      height: Math.abs(a.y - b.y),
    };
  }
  const resize = swapsAxes(settings.rotate) ? { width: resized.height, height: resized.width } : resized;
  return {
    ...settings,
    sourceWidth,
    sourceHeight,
    extract,
    resizeWidth: resize.width,
    resizeHeight: resize.height,
    crop,
    left,
    top,
  };
}

/** Whether the plan uses the whole frame. */
export function extractsWholeFrame(plan: FramePlan): boolean {
  const e = plan.extract;
  return e.x === 0 && e.y === 0 && e.width === plan.sourceWidth && e.height === plan.sourceHeight;
}

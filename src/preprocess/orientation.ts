/**
 * Rotation and flip as exact maps between continuous pixel coordinates (pixel (i, j) covers [i, i+1) x [j, j+1)).
 * Order: rotate clockwise first, then flip in the rotated frame. Both are pixel permutations, so integer
 * rectangles map to integer rectangles.
 */
import type { Flip, Rotation } from '../config/types.js';

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Whether a rotation swaps width and height. */
export function swapsAxes(rotate: Rotation): boolean {
  return rotate === 90 || rotate === 270;
}

/** The size of a `width` x `height` image after rotating it. */
export function rotatedSize(size: Size, rotate: Rotation): Size {
  return swapsAxes(rotate) ? { width: size.height, height: size.width } : { width: size.width, height: size.height };
}

/**
 * Maps a point of an image of `size` to the image rotated clockwise by `rotate` and then flipped.
 * 90: the top-left corner goes to the top-right; 270: to the bottom-left.
 */
export function orientPoint(p: Point, size: Size, rotate: Rotation, flip: Flip): Point {
  const { width: w, height: h } = size;
  let x: number;
  let y: number;
  switch (rotate) {
    case 90:
      [x, y] = [h - p.y, p.x];
      break;
    case 180:
      [x, y] = [w - p.x, h - p.y];
      break;
    case 270:
      [x, y] = [p.y, w - p.x];
      break;
    default:
      [x, y] = [p.x, p.y];
  }
  const out = rotatedSize(size, rotate);
  if (flip === 'horizontal') x = out.width - x;
  if (flip === 'vertical') y = out.height - y;
  return { x, y };
}

/** The inverse of `orientPoint`: a point of the rotated-and-flipped image back to the image of `size`. */
export function unorientPoint(p: Point, size: Size, rotate: Rotation, flip: Flip): Point {
  const { width: w, height: h } = size;
  const out = rotatedSize(size, rotate);
  const a = flip === 'horizontal' ? out.width - p.x : p.x;
  const b = flip === 'vertical' ? out.height - p.y : p.y;
  switch (rotate) {
    case 90:
      return { x: b, y: h - a };
    case 180:
      return { x: w - a, y: h - b };
    case 270:
      return { x: w - b, y: a };
    default:
      return { x: a, y: b };
  }
}

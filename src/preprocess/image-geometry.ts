/**
 * The exact coordinate mapping of a planned frame, both ways: source pixels <-> normalised tensor coordinates,
 * through region of interest / cover crop, rotation, flip, resize and letterbox. Continuous coordinates: pixel
 * (i, j) covers [i, i+1) x [j, j+1), so a pixel's centre is (i + 0.5, j + 0.5) and resizing scales coordinates.
 */
import type { ImageGeometry } from '../core/geometry.js';
import type { FramePlan } from './frame-plan.js';
import { orientPoint, rotatedSize, unorientPoint, type Point } from './orientation.js';

export interface FrameGeometry extends ImageGeometry {
  /** The inverse of `toSource`: source pixels to normalised tensor coordinates (outside 0..1 when cut away). */
  toTensor(x: number, y: number): { nx: number; ny: number };
}

/**
 * Builds the geometry of one planned frame. Points in the letterbox padding, or outside the tensor, map outside
 * the region used (no clamping), so callers decide whether to clip boxes to the frame.
 */
export function createImageGeometry(plan: FramePlan): FrameGeometry {
  const extract = plan.extract;
  const oriented = rotatedSize(extract, plan.rotate);
  const resized = rotatedSize({ width: plan.resizeWidth, height: plan.resizeHeight }, plan.rotate);
  // Tensor pixels -> resized-image pixels: shift by the padding and the cover crop.
  const shiftX = (plan.crop?.x ?? 0) - plan.left;
  const shiftY = (plan.crop?.y ?? 0) - plan.top;
  const scaleX = oriented.width / resized.width;
  const scaleY = oriented.height / resized.height;
  return {
    sourceWidth: plan.sourceWidth,
    sourceHeight: plan.sourceHeight,
    tensorWidth: plan.tensorWidth,
    tensorHeight: plan.tensorHeight,
    toSource(nx: number, ny: number): Point {
      const a = (nx * plan.tensorWidth + shiftX) * scaleX;
      const b = (ny * plan.tensorHeight + shiftY) * scaleY;
      const p = unorientPoint({ x: a, y: b }, extract, plan.rotate, plan.flip);
      return { x: extract.x + p.x, y: extract.y + p.y };
    },
    toTensor(x: number, y: number): { nx: number; ny: number } {
      const p = orientPoint({ x: x - extract.x, y: y - extract.y }, extract, plan.rotate, plan.flip);
      return {
        nx: (p.x / scaleX - shiftX) / plan.tensorWidth,
        ny: (p.y / scaleY - shiftY) / plan.tensorHeight,
      };
    },
  };
}

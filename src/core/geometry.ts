/**
 * How a source image was turned into the input tensor, kept so results map back to source pixels
 * (boxes, keypoints) through crop, rotation, flip and letterbox.
 */
export interface ImageGeometry {
  /** Size of the source image as captured, in pixels. */
  sourceWidth: number;
  sourceHeight: number;
  /** Size of the tensor's image plane. */
  tensorWidth: number;
  tensorHeight: number;
  /**
   * Maps a point given in normalised tensor coordinates (0..1 across the tensor's width and height) back to
   * source-image pixels, undoing letterbox/crop, resize, flip, rotation and the region of interest.
   */
  toSource(nx: number, ny: number): { x: number; y: number };
}

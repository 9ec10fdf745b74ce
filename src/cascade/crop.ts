/**
 * Cutting a tracked object out of a frame, synchronously, while the frame is valid (StageContext: the payload is
 * only the stage's during process()). A raw frame gives a copy of the crop's pixels in the frame's own format,
 * so the second model's preprocessor converts only them; an encoded frame (JPEG, PNG) cannot be cut without
 * decoding, so its bytes are copied and the region goes with them.
 */
import type { FramePayload, ImagePayload, RawPixelFormat } from '../core/frame.js';
import type { Box } from '../core/result.js';

/** What a crop job carries: an image the job owns, and the part of it to infer (absent: all of it). */
export interface Crop {
  image: ImagePayload;
  region?: Box;
  /** The crop in source-frame pixels (after the margin and clipping). */
  box: Box;
}

/**
 * `box` grown by `margin` (a fraction of its width on the left and right, of its height on top and bottom),
 * clipped to a `width` x `height` frame and snapped to whole pixels; undefined when nothing is left.
 */
export function cropBox(box: Box, margin: number, width: number, height: number): Box | undefined {
  const x0 = Math.max(0, Math.floor(box.x - margin * box.width));
  const y0 = Math.max(0, Math.floor(box.y - margin * box.height));
  const x1 = Math.min(width, Math.ceil(box.x + box.width * (1 + margin)));
  const y1 = Math.min(height, Math.ceil(box.y + box.height * (1 + margin)));
  if (!(x1 - x0 >= 1 && y1 - y0 >= 1)) return undefined;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

const isYuv = (format: RawPixelFormat): boolean => format === 'i420' || format === 'nv12' || format === 'yuyv';

/** Copies `rows` rows of `rowBytes` bytes from `src` (stride `srcStride`, from `srcOffset`) into `dst` at `dstOffset`. */
function copyRows(src: Uint8Array, srcOffset: number, srcStride: number, dst: Uint8Array, dstOffset: number, rowBytes: number, rows: number): void {
  for (let r = 0; r < rows; r += 1) {
    const from = srcOffset + r * srcStride;
    dst.set(src.subarray(from, from + rowBytes), dstOffset + r * rowBytes);
  }
}

/**
 * The pixels of `rect` (whole pixels inside the frame) of a raw frame, copied, in the frame's format. YUV crops
 * start on even coordinates (chroma is shared by 2x2 or 2x1 pixels), so `rect` may grow by a pixel up and left.
 */
export function cropRaw(image: Extract<ImagePayload, { kind: 'raw' }>, rect: Box): { image: Extract<ImagePayload, { kind: 'raw' }>; box: Box } {
  const { format, width: W, data } = image;
  let { x, y, width: w, height: h } = rect;
  if (isYuv(format)) {
    w += x % 2;
    x -= x % 2;
    if (format !== 'yuyv') {
      h += y % 2;
      y -= y % 2;
    } else if (w % 2 === 1) {
      // yuyv needs an even width; the frame's width is even, so one more column fits or one less is kept.
      w += x + w < W ? 1 : -1;
    }
  }
  const box = { x, y, width: w, height: h };
  if (format === 'rgb24' || format === 'bgr24' || format === 'gray8') {
    const bpp = format === 'gray8' ? 1 : 3;
    const out = new Uint8Array(w * h * bpp);
    copyRows(data, (y * W + x) * bpp, W * bpp, out, 0, w * bpp, h);
    return { image: { kind: 'raw', format, width: w, height: h, data: out }, box };
  }
  if (format === 'yuyv') {
    const out = new Uint8Array(w * h * 2);
    copyRows(data, (y * W + x) * 2, W * 2, out, 0, w * 2, h);
    return { image: { kind: 'raw', format, width: w, height: h, data: out }, box };
  }
  // i420 and nv12: a full-size luma plane, then chroma at half resolution (rounded up).
  const H = image.height;
  const cW = (W + 1) >> 1;
  const cH = (H + 1) >> 1;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const out = new Uint8Array(w * h + 2 * cw * ch);
  copyRows(data, y * W + x, W, out, 0, w, h);
  const lumaBytes = W * H;
  if (format === 'i420') {
    copyRows(data, lumaBytes + (y / 2) * cW + x / 2, cW, out, w * h, cw, ch);
    copyRows(data, lumaBytes + cW * cH + (y / 2) * cW + x / 2, cW, out, w * h + cw * ch, cw, ch);
  } else {
    copyRows(data, lumaBytes + (y / 2) * cW * 2 + x, cW * 2, out, w * h, cw * 2, ch);
  }
  return { image: { kind: 'raw', format, width: w, height: h, data: out }, box };
}

/**
 * The crop of `box` (+ margin) from a frame, copied so it outlives the frame; undefined for a box with nothing
 * inside the frame, or a sensor payload. An encoded frame's size is not known without decoding: its region is
 * clipped to the image by the second model (SecondaryModel.classify). `shared`: one per frame, so the crops of one
 * encoded frame share one copy of its bytes.
 */
export function cropFrame(payload: FramePayload, box: Box, margin: number, shared: { bytes?: Uint8Array } = {}): Crop | undefined {
  if (payload.kind === 'series') return undefined;
  if (payload.kind === 'raw') {
    const rect = cropBox(box, margin, payload.width, payload.height);
    if (!rect) return undefined;
    const { image, box: cut } = cropRaw(payload, rect);
    return { image, box: cut };
  }
  const rect = cropBox(box, margin, Infinity, Infinity);
  if (!rect) return undefined;
  // One copy of the encoded frame for all the crops of this frame (`shared` lives as long as the frame's call).
  shared.bytes ??= payload.bytes.slice();
  return { image: { kind: 'encoded', bytes: shared.bytes }, region: rect, box: rect };
}

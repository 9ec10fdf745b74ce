/**
 * Images into an image input tensor, per frame: region of interest -> rotate -> flip -> resize (fill / contain /
 * cover) -> colour order -> layout -> normalise + quantise, written straight into the interpreter's input view.
 *
 * Encoded images (JPEG, PNG, WebP) are first turned upright by their EXIF orientation, as a viewer shows them:
 * source coordinates (roi, toSource, sourceWidth/Height) are those of the upright image, and `rotate` is for
 * cameras mounted sideways (their raw frames carry no orientation tag).
 */
import sharp from 'sharp';
import type { PreprocessConfig, RegionOfInterest } from '../config/types.js';
import type { ImagePayload } from '../core/frame.js';
import type { TensorArray } from '../runtime/dtypes.js';
import { EdgepipeError } from '../runtime/errors.js';
import type { TensorInfo } from '../runtime/tensor.js';
import { BufferPool } from './buffer-pool.js';
import { extractsWholeFrame, planFrame, type FramePlan, type PixelRect } from './frame-plan.js';
import { createImageGeometry, type FrameGeometry } from './image-geometry.js';
import { describeInput } from './image-tensor.js';
import { typedPixelLut } from './pixel-lut.js';
import { createPreprocessPlan, type ModelImageDefaults, type PreprocessPlan, type ResizeKernel } from './preprocess-plan.js';
import { checkRawFrame, type RawImage } from './raw-frame.js';
import { resampleWithSharp, type SharpSource, type SharpSteps } from './sharp-resample.js';
import { createTensorWriter, type ImageTensorArray, type PixelView } from './tensor-writer.js';
import { isYuvFormat, yuvToRgb } from './yuv.js';

export interface ImagePreprocessor {
  /** The resolved settings (defaults applied), e.g. for `validate` to print. */
  readonly plan: PreprocessPlan;
  /**
   * Writes `image` into `target` (the input tensor's view: Uint8Array, Int8Array or Float32Array of the
   * tensor's element count) and returns how tensor coordinates map back to the image. `image.bytes` / `data` are
   * read until the promise settles: do not reuse them before. Several calls may be in flight (different targets).
   * Rejects with ERR_PREPROCESS_ROI (roi outside the frame), ERR_RAW_FRAME (bad raw frame), ERR_IMAGE_DECODE.
   * `roi` (source pixels) replaces `preprocess.roi` for this call (motion `detect_on: regions` crops).
   */
  run(image: ImagePayload, target: TensorArray, roi?: RegionOfInterest): Promise<FrameGeometry>;
}

export interface ImagePreprocessorOptions {
  /** sharp resampling kernel; default lanczos3 (the shared models' reference scores use it). */
  kernel?: ResizeKernel;
}

const arrayFor = { uint8: Uint8Array, int8: Int8Array, float32: Float32Array } as const;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function decodeError(bytes: Uint8Array, error: unknown): EdgepipeError {
  const message = error instanceof Error ? error.message : String(error);
  return new EdgepipeError('ERR_IMAGE_DECODE', `cannot decode the image (${bytes.byteLength} bytes): ${message}`, {
    exitCode: 2,
    cause: error,
  });
}

/** The sharp steps of a planned frame; `extract` only when part of `source` is used. */
function stepsFor(frame: FramePlan, extract: PixelRect | undefined, kernel: ResizeKernel): SharpSteps {
  return { extract, width: frame.resizeWidth, height: frame.resizeHeight, rotate: frame.rotate, flip: frame.flip, crop: frame.crop, kernel };
}

/** Pixels of a raw source after the steps: a view into `data` when the steps do nothing but extract. */
async function rawPixels(source: Extract<SharpSource, { kind: 'raw' }>, steps: SharpSteps, order: 'rgb' | 'bgr'): Promise<PixelView> {
  const e = steps.extract ?? { x: 0, y: 0, width: source.width, height: source.height };
  if (steps.rotate === 0 && steps.flip === 'none' && !steps.crop && steps.width === e.width && steps.height === e.height) {
    const rowStride = source.width * source.channels;
    return { ...source, width: e.width, height: e.height, order, offset: e.y * rowStride + e.x * source.channels, rowStride };
  }
  const out = await resampleWithSharp(source, steps);
  return { ...out, order, offset: 0, rowStride: out.width * out.channels };
}

/**
 * Checks `config` against `input` (see createPreprocessPlan for the defaults and errors) and builds the lookup
 * tables once. `mean`/`std` are per tensor channel in the tensor's channel order (B, G, R for `bgr`), on the
 * 0-255 pixel scale. Throws ERR_INVALID_OPTION or ERR_PREPROCESS_MISMATCH (exit code 2).
 */
export function createImagePreprocessor(
  config: PreprocessConfig,
  input: TensorInfo,
  defaults: ModelImageDefaults = {},
  options: ImagePreprocessorOptions = {},
): ImagePreprocessor {
  const plan = createPreprocessPlan(config, input, defaults, options.kernel);
  const { tensor } = plan;
  const luts = typedPixelLut(tensor.dtype, tensor.channels, plan.normalization, input.quantization);
  const writer = createTensorWriter(tensor, plan.colour, luts, plan.padColour);
  const elements = tensor.width * tensor.height * tensor.channels;
  const pool = new BufferPool();

  function checkTarget(target: TensorArray): ImageTensorArray {
    const Ctor = arrayFor[tensor.dtype];
    if (!(target instanceof Ctor) || target.length !== elements) {
      throw new EdgepipeError(
        'ERR_PREPROCESS_TARGET',
        `preprocess: the target is a ${target.constructor.name} of ${target.length} elements but ${describeInput(input)} ` +
          `(a ${Ctor.name} of ${elements})`,
      );
    }
    return target;
  }

  async function runEncoded(bytes: Buffer, target: ImageTensorArray, plan: PreprocessPlan): Promise<FrameGeometry> {
    // The upright size decides the plan (0.2-0.5 ms of header parsing; reading it while sharp resizes saved
    // under 0.1 ms on a 720p JPEG here, so it stays sequential).
    const { width, height } = (await sharp(bytes).metadata()).autoOrient;
    // Without a region of interest, cover cuts after resizing to keep JPEG shrink-on-load.
    const frame = planFrame(plan, width, height, plan.roi ? 'pre-crop' : 'post-crop');
    const extract = extractsWholeFrame(frame) ? undefined : frame.extract;
    const pixels = await resampleWithSharp({ kind: 'encoded', bytes }, stepsFor(frame, extract, plan.kernel));
    writer.write({ ...pixels, order: 'rgb', offset: 0, rowStride: pixels.width * 3 }, frame.left, frame.top, target);
    return createImageGeometry(frame);
  }

  /**
   * A frame the decoder resized to the tensor's size (decoder-resize.ts): planned at its full size, so the geometry
   * maps results back to full-frame coordinates, and written as it is when that plan is the same resize.
   */
  function runScaled(image: RawImage, from: { width: number; height: number }, target: ImageTensorArray): FrameGeometry {
    checkRawFrame(image);
    const frame = planFrame(plan, from.width, from.height);
    if (image.format !== 'rgb24' || !extractsWholeFrame(frame) || frame.rotate !== 0 || frame.flip !== 'none' || frame.crop ||
      frame.resizeWidth !== image.width || frame.resizeHeight !== image.height || frame.left !== 0 || frame.top !== 0) {
      throw new EdgepipeError(
        'ERR_RAW_FRAME',
        `raw frame: resized by the decoder from ${from.width}x${from.height} to ${image.width}x${image.height} ${image.format}, ` +
          `which is not this pipeline's preprocessing (${plan.resize} to ${plan.tensorWidth}x${plan.tensorHeight}); set source.decoder_resize: false`,
      );
    }
    const data = image.data;
    writer.write({ data, width: image.width, height: image.height, channels: 3, order: 'rgb', offset: 0, rowStride: image.width * 3 }, 0, 0, target);
    return createImageGeometry(frame);
  }

  // A crop (`plan` with a roi, detection on regions) never meets a decoder-resized frame: motion turns that off.
  async function runRaw(image: RawImage & { scaledFrom?: { width: number; height: number } }, target: ImageTensorArray, plan: PreprocessPlan): Promise<FrameGeometry> {
    if (image.scaledFrom) return runScaled(image, image.scaledFrom, target);
    checkRawFrame(image);
    const frame = planFrame(plan, image.width, image.height);
    const e = frame.extract;
    if (!isYuvFormat(image.format)) {
      const source = { kind: 'raw', data: asBuffer(image.data), width: image.width, height: image.height, channels: image.format === 'gray8' ? 1 : 3 } as const;
      const view = await rawPixels(source, stepsFor(frame, extractsWholeFrame(frame) ? undefined : e, plan.kernel), image.format === 'bgr24' ? 'bgr' : 'rgb');
      writer.write(view, frame.left, frame.top, target);
      return createImageGeometry(frame);
    }
    // Convert only the region used; halve it first when sharp would shrink it by 2 or more anyway.
    const halve = e.x % 2 === 0 && e.y % 2 === 0 && e.width % 2 === 0 && e.height % 2 === 0 &&
      e.width >= 2 * frame.resizeWidth && e.height >= 2 * frame.resizeHeight;
    const width = halve ? e.width / 2 : e.width;
    const height = halve ? e.height / 2 : e.height;
    const rgb = pool.take(width * height * 3);
    try {
      yuvToRgb({ format: image.format, width: image.width, height: image.height, data: image.data }, e, halve, rgb);
      const view = await rawPixels({ kind: 'raw', data: asBuffer(rgb), width, height, channels: 3 }, stepsFor(frame, undefined, plan.kernel), 'rgb');
      writer.write(view, frame.left, frame.top, target);
    } finally {
      pool.give(rgb);
    }
    return createImageGeometry(frame);
  }

  return {
    plan,
    async run(image: ImagePayload, target: TensorArray, roi?: RegionOfInterest): Promise<FrameGeometry> {
      const out = checkTarget(target);
      const used = roi ? { ...plan, roi: { ...roi } } : plan;
      if (image.kind === 'raw') return runRaw(image, out, used);
      if (!(image.bytes instanceof Uint8Array)) {
        throw new EdgepipeError('ERR_IMAGE_DECODE', `cannot decode the image: bytes must be a Uint8Array, got ${typeof image.bytes}`, { exitCode: 2 });
      }
      const bytes = asBuffer(image.bytes);
      try {
        return await runEncoded(bytes, out, used);
      } catch (error) {
        throw error instanceof EdgepipeError ? error : decodeError(bytes, error);
      }
    },
  };
}

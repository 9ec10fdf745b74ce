/**
 * The fixed chain's part for frames a gate asked to be inferred as crops (motion `detect_on: regions`): each crop
 * is preprocessed into a tensor of its own (the first into the frame's staging slot), inferred in turn on the
 * same interpreter (chain.ts inferFrame), and the detections of all crops merged into one result
 * (src/motion/region-merge.ts).
 */
import type { PipelineConfig } from '../config/types.js';
import { isSensorSource } from '../config/sensor-channels.js';
import type { FramePayload, ImageGeometry } from '../core/frame.js';
import type { Box, Result } from '../core/result.js';
import { mergeCropDetections, type CropDetections } from '../motion/region-merge.js';
import { resolveImageTensor } from '../preprocess/index.js';
import { typedView, type Dtype, type TensorArray } from '../runtime/dtypes.js';
import type { TensorInfo } from '../runtime/tensor.js';

/** One crop of a frame, preprocessed. */
export interface PreparedCrop {
  box: Box;
  tensor: TensorArray;
  geometry: ImageGeometry;
}

/** How the crops' detections become one result. */
export interface CropMerge {
  iou: number;
  maxDetections: number;
}

/**
 * Input tensors for crops after the first, reused: a free list that allocates when empty and keeps at most
 * `keep` (what a frame that was dropped after preprocessing never gives back is garbage collected).
 */
export class CropTensors {
  private readonly free: TensorArray[] = [];

  constructor(
    private readonly input: TensorInfo,
    private readonly keep: number,
  ) {}

  take(): TensorArray {
    return this.free.pop() ?? typedView(this.input.dtype as Dtype, new ArrayBuffer(this.input.bytes));
  }

  give(tensor: TensorArray): void {
    if (this.free.length < this.keep) this.free.push(tensor);
  }
}

/**
 * The model's image input in source pixels, for gates that plan crops: undefined unless the pipeline runs a
 * detector on images. Width and height swap for a 90/270 `preprocess.rotate` (the crop is cut before rotating).
 */
export function cropInputSize(config: PipelineConfig, input: TensorInfo): { width: number; height: number } | undefined {
  const kind = config.postprocess.kind;
  if (isSensorSource(config.source) || (kind !== 'detect-ssd' && kind !== 'detect-yolo')) return undefined;
  const { tensor } = resolveImageTensor(input, config.preprocess.layout);
  if (!tensor) return undefined;
  const swap = config.preprocess.rotate === 90 || config.preprocess.rotate === 270;
  return swap ? { width: tensor.height, height: tensor.width } : { width: tensor.width, height: tensor.height };
}

/** How crops merge for this pipeline's detector: detect-yolo's own `iou`, 0.5 for detect-ssd (its model suppressed already). */
export function cropMerge(config: PipelineConfig): CropMerge | undefined {
  const p = config.postprocess;
  if (p.kind === 'detect-yolo') return { iou: p.iou, maxDetections: p.maxDetections };
  if (p.kind === 'detect-ssd') return { iou: 0.5, maxDetections: p.maxDetections };
  return undefined;
}

/**
 * Preprocesses each crop of `payload` in turn: the first into `first` (the staging slot), the others into
 * tensors from `tensors`. On a failure the tensors taken are given back and the error rethrown.
 */
export async function preprocessCrops(payload: FramePayload, crops: readonly Box[], preprocess: (payload: FramePayload, target: TensorArray, roi: Box) => Promise<ImageGeometry | undefined>, first: TensorArray, tensors: CropTensors): Promise<PreparedCrop[]> {
  const prepared: PreparedCrop[] = [];
  try {
    for (const [i, box] of crops.entries()) {
      const tensor = i === 0 ? first : tensors.take();
      // Pushed before the await so a failure gives this tensor back too.
      const entry = { box, tensor, geometry: undefined as ImageGeometry | undefined };
      prepared.push(entry as PreparedCrop);
      const geometry = await preprocess(payload, tensor, box);
      if (!geometry) throw new Error('internal: a crop of a frame without image geometry');
      entry.geometry = geometry;
    }
    return prepared;
  } catch (error) {
    releaseCrops(prepared, tensors);
    throw error;
  }
}

/** Gives the crops' own tensors back (not the first: it is the staging slot's). */
export function releaseCrops(crops: readonly PreparedCrop[], tensors: CropTensors): void {
  for (const crop of crops.slice(1)) tensors.give(crop.tensor);
}

/** One detection result from each crop's result, in frame pixels (throws when a crop's result is not a detection). */
export function mergeCropResults(crops: readonly PreparedCrop[], results: readonly Result[], merge: CropMerge): Result {
  const perCrop: CropDetections[] = crops.map((crop, i) => {
    const result = results[i]!;
    if (result.kind !== 'detect') throw new Error(`motion detect_on: regions needs detections, the postprocessor gave ${result.kind}`);
    return { crop: crop.box, objects: result.objects };
  });
  const geometry = crops[0]!.geometry;
  return { kind: 'detect', objects: mergeCropDetections(perCrop, { frameWidth: geometry.sourceWidth, frameHeight: geometry.sourceHeight, ...merge }) };
}

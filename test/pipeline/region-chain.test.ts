/** The pipeline's part of detect_on: regions (src/pipeline/region-chain.ts): the crop size gates plan for, and how crops merge. */
import { describe, expect, it } from 'vitest';
import type { PostprocessConfig, SourceConfig } from '../../src/config/types.js';
import { cropInputSize, cropMerge } from '../../src/pipeline/region-chain.js';
import type { TensorInfo } from '../../src/runtime/tensor.js';
import { pipelineConfig } from '../helpers/pipeline-config.js';

const input = (shape: number[]): TensorInfo => ({ index: 0, name: 'image', dtype: 'uint8', shape, bytes: shape.reduce((a, b) => a * b, 1), quantization: null });
const ssd: PostprocessConfig = { kind: 'detect-ssd', threshold: 0.5, maxDetections: 10, classes: [] };
const camera = { kind: 'camera', input: '/dev/video0', realtime: false, output: 'i420' } as unknown as SourceConfig;

describe('region chain', () => {
  it("plans crops at the model's input size in source pixels, swapped when the frame is rotated a quarter turn", () => {
    const detector = pipelineConfig('p', { postprocess: ssd, source: camera });
    expect(cropInputSize(detector, input([1, 32, 64, 3]))).toEqual({ width: 64, height: 32 });
    const rotated = pipelineConfig('p', { postprocess: ssd, source: camera, preprocess: { ...detector.preprocess, rotate: 90 } });
    expect(cropInputSize(rotated, input([1, 32, 64, 3]))).toEqual({ width: 32, height: 64 });
    // Not a detector: no crops are planned (the stage infers whole frames).
    expect(cropInputSize(pipelineConfig('p', {}), input([1, 32, 64, 3]))).toBeUndefined();
  });

  it("merges with detect-yolo's own IoU, 0.5 for detect-ssd, and not at all for other kinds", () => {
    expect(cropMerge(pipelineConfig('p', { postprocess: ssd }))).toEqual({ iou: 0.5, maxDetections: 10 });
    const yolo: PostprocessConfig = { kind: 'detect-yolo', threshold: 0.3, iou: 0.45, maxDetections: 20, classes: [], objectness: false, coordinates: 'normalized' };
    expect(cropMerge(pipelineConfig('p', { postprocess: yolo }))).toEqual({ iou: 0.45, maxDetections: 20 });
    expect(cropMerge(pipelineConfig('p', {}))).toBeUndefined();
  });
});

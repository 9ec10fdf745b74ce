/** Images into input tensors: the per-pipeline image preprocessor and its parts other stages may need. */
export { createImagePreprocessor, type ImagePreprocessor, type ImagePreprocessorOptions } from './image-preprocessor.js';
export {
  createPreprocessPlan,
  PreprocessMismatchError,
  type ModelImageDefaults,
  type NormalizationSource,
  type PreprocessPlan,
  type ResizeKernel,
} from './preprocess-plan.js';
export type { FrameGeometry } from './image-geometry.js';
export type { ImageGeometry } from '../core/geometry.js';
export { resolveImageTensor, type ImageTensor, type ImageDtype } from './image-tensor.js';
export { buildPixelLut, defaultNormalization, type PixelNormalization } from './pixel-lut.js';
export { writeImageInput, imageTensorShape, defaultPreprocessConfig, type ImageInputOptions } from './image-input.js';
export { rawFrameBytes } from './raw-frame.js';

/**
 * The demo's model, written by edgepipe's own TFLite writer: a tiny int8 classifier of an image's dominant
 * colour. It averages the image to one RGB value and scores four classes linearly:
 *   red = k(2r - g - b), green = k(2g - r - b), blue = k(2b - r - g), grey = constant,
 * so a strongly coloured image wins its colour and a balanced one stays grey. Real TFLite int8 kernels run it
 * (AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX), through the same delegate chain as any model.
 */
import { writeModel } from '../tflite/writer.js';
import type { ModelSpec } from '../tflite/writer-spec.js';

export const COLOUR_LABELS = ['red', 'green', 'blue', 'grey'] as const;
export const DEMO_IMAGE_SIZE = 32;

const K = 4; // logit gain per unit of colour difference
const GREY_LOGIT = 1.5;
const f32 = Math.fround;

export function colourClassifierModel(): Uint8Array {
  const size = DEMO_IMAGE_SIZE;
  // Pixels p in 0..255 arrive as q = p - 128 with real value p / 255 (metadata: mean 0, std 255).
  const inScale = f32(1 / 255);
  const inZero = -128;
  const weights = [
    [2, -1, -1],
    [-1, 2, -1],
    [-1, -1, 2],
    [0, 0, 0],
  ].map((row) => row.map((w) => w * K));
  const maxWeight = 2 * K;
  const weightScale = f32(maxWeight / 127);
  const biasScale = f32(inScale * weightScale);
  const logitScale = f32((2 * maxWeight) / 255); // logits stay within [-2K, 2K]
  const spec: ModelSpec = {
    description: 'edgepipe demo: dominant colour classifier',
    subgraphName: 'main',
    tensors: [
      { name: 'image', type: 'int8', shape: [1, size, size, 3], quantization: { scale: [inScale], zeroPoint: [inZero] } },
      { name: 'mean_colour', type: 'int8', shape: [1, 1, 1, 3], quantization: { scale: [inScale], zeroPoint: [inZero] } },
      { name: 'rgb', type: 'int8', shape: [1, 3], quantization: { scale: [inScale], zeroPoint: [inZero] } },
      {
        name: 'fc/weights', type: 'int8', shape: [4, 3], quantization: { scale: [weightScale], zeroPoint: [0] },
        data: Int8Array.from(weights.flat().map((w) => Math.round(w / weightScale))),
      },
      {
        name: 'fc/bias', type: 'int32', shape: [4], quantization: { scale: [biasScale], zeroPoint: [0] },
        data: Int32Array.from([0, 0, 0, GREY_LOGIT].map((b) => Math.round(b / biasScale))),
      },
      { name: 'logits', type: 'int8', shape: [1, 4], quantization: { scale: [logitScale], zeroPoint: [0] } },
      { name: 'probability', type: 'int8', shape: [1, 4], quantization: { scale: [f32(1 / 256)], zeroPoint: [-128] } },
    ],
    operators: [
      { op: 'AVERAGE_POOL_2D', inputs: ['image'], outputs: ['mean_colour'], options: { filterWidth: size, filterHeight: size, padding: 'VALID', strideW: size, strideH: size } },
      { op: 'RESHAPE', inputs: ['mean_colour'], outputs: ['rgb'], options: { newShape: [1, 3] } },
      { op: 'FULLY_CONNECTED', inputs: ['rgb', 'fc/weights', 'fc/bias'], outputs: ['logits'] },
      { op: 'SOFTMAX', inputs: ['logits'], outputs: ['probability'] },
    ],
    inputs: ['image'],
    outputs: ['probability'],
    metadata: {
      name: 'colour classifier',
      description: 'Dominant colour of an RGB image (edgepipe demo).',
      inputs: [{ name: 'image', content: { kind: 'image', colorSpace: 'RGB' }, normalization: { mean: [0], std: [255] } }],
      outputs: [{ name: 'probability', associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS' }] }],
      files: [{ name: 'labels.txt', data: `${COLOUR_LABELS.join('\n')}\n` }],
    },
  };
  return writeModel(spec);
}

/**
 * A stand-in for a YOLOv8/YOLO11 int8 export, written by edgepipe's own TFLite writer: it has the export's raw
 * output layout ([1, 4 + classes, boxes]: rows cx, cy, w, h, class scores; no objectness) and reports the same
 * fixed boxes whatever the image. It lets pipelines/detect-yolo.yaml validate and run before a real export
 * exists, and gives tests answers they can check.
 */
import { writeModel } from '../tflite/writer.js';

/** A detection the stand-in always reports: centre and size normalised to the input, best class, score. */
export interface FixedDetection {
  cx: number;
  cy: number;
  w: number;
  h: number;
  classIndex: number;
  score: number;
}

/**
 * int8 [1,32,32,3] -> AVERAGE_POOL_2D 8x8 -> RESHAPE [1,48] -> FULLY_CONNECTED -> RESHAPE [1, 4+classes, boxes].
 * The weights are zero and the biases hold `detections` (boxes after them score 0), so the output is known
 * whatever the image. Scores and coordinates must lie in [0, 2) (the output's int8 range).
 */
export function yoloLayoutModel(classes: number, boxes: number, detections: readonly FixedDetection[] = []): Uint8Array {
  const attributes = 4 + classes;
  const outputs = attributes * boxes;
  const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint] });
  const biasScale = (1 / 255) * 0.01;
  // Real output values in [0, 2) with the output's scale 1/128 and zero point -128; attribute k of box n at k*boxes + n.
  const real = new Float64Array(outputs);
  detections.forEach((d, n) => {
    [d.cx, d.cy, d.w, d.h].forEach((v, k) => (real[k * boxes + n] = v));
    real[(4 + d.classIndex) * boxes + n] = d.score;
  });
  // With zero weights the layer's real output is bias * biasScale, stored as round(that * 128) - 128.
  const bias = Int32Array.from(real, (r) => Math.round(r / biasScale));
  return writeModel({
    description: `edgepipe stand-in with a YOLOv8 export's output layout (${classes} classes, ${boxes} boxes, fixed answers)`,
    tensors: [
      { name: 'images', type: 'int8', shape: [1, 32, 32, 3], quantization: q(1 / 255, -128) },
      { name: 'pooled', type: 'int8', shape: [1, 4, 4, 3], quantization: q(1 / 255, -128) },
      { name: 'flat', type: 'int8', shape: [1, 48], quantization: q(1 / 255, -128) },
      { name: 'w', type: 'int8', shape: [outputs, 48], quantization: q(0.01, 0), data: new Int8Array(outputs * 48) },
      { name: 'b', type: 'int32', shape: [outputs], quantization: q(biasScale, 0), data: bias },
      { name: 'dense', type: 'int8', shape: [1, outputs], quantization: q(1 / 128, -128) },
      { name: 'output0', type: 'int8', shape: [1, attributes, boxes], quantization: q(1 / 128, -128) },
    ],
    operators: [
      { op: 'AVERAGE_POOL_2D', inputs: ['images'], outputs: ['pooled'], options: { filterWidth: 8, filterHeight: 8, padding: 'VALID', strideW: 8, strideH: 8 } },
      { op: 'RESHAPE', inputs: ['pooled'], outputs: ['flat'], options: { newShape: [1, 48] } },
      { op: 'FULLY_CONNECTED', inputs: ['flat', 'w', 'b'], outputs: ['dense'] },
      { op: 'RESHAPE', inputs: ['dense'], outputs: ['output0'], options: { newShape: [1, attributes, boxes] } },
    ],
    inputs: ['images'],
    outputs: ['output0'],
  });
}

/** The 80 COCO class names in the order YOLO exports (and the Ultralytics coco.yaml) use. */
export const COCO80_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;

/**
 * A tiny SSD detector written with the project's own writer and metadata writer: the real
 * TFLite_Detection_PostProcess custom op (as in the COCO SSD models) over box encodings and class scores given as
 * inputs, with the COCO-style metadata: `labelmap.txt` attached to the classes output as TENSOR_VALUE_LABELS.
 */
import { encode } from 'flatbuffers/mjs/flexbuffers.js';
import { writeModel } from '../../src/tflite/writer.js';

/** Anchors as (ycenter, xcenter, height, width), normalised: with zero box encodings each box is its anchor. */
export const TINY_DETECTOR_ANCHORS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0.3, 0.3, 0.2, 0.2],
  [0.7, 0.6, 0.4, 0.2],
  [0.5, 0.5, 0.5, 0.5],
];

export const TINY_DETECTOR_LABELS = ['person', 'bicycle', 'car'];

/**
 * float32 inputs `box_encodings` [1,3,4] and `class_predictions` [1,3,4] (background first, then the three
 * classes) -> TFLite_Detection_PostProcess (at most 3 detections, score threshold 0.3, IoU 0.6) -> boxes [1,3,4],
 * classes [1,3], scores [1,3], count [1]. `valueLabels: false` leaves the label file out of the metadata.
 */
export function tinySsdDetector(options: { valueLabels?: boolean } = {}): Uint8Array {
  const n = TINY_DETECTOR_ANCHORS.length;
  const classes = TINY_DETECTOR_LABELS.length;
  const customOptions = encode({
    max_detections: 3,
    max_classes_per_detection: 1,
    detections_per_class: 3,
    use_regular_nms: false,
    nms_score_threshold: 0.3,
    nms_iou_threshold: 0.6,
    num_classes: classes,
    // Whole numbers on purpose: with y_scale 10.5 (and the other scales fractional) the op returned NaN boxes
    // here, while the fractional thresholds above were read correctly; not investigated further.
    y_scale: 10,
    x_scale: 10,
    h_scale: 5,
    w_scale: 5,
  });
  const out = 'TFLite_Detection_PostProcess';
  const withLabels = options.valueLabels ?? true;
  return writeModel({
    tensors: [
      { name: 'box_encodings', type: 'float32', shape: [1, n, 4] },
      { name: 'class_predictions', type: 'float32', shape: [1, n, classes + 1] },
      { name: 'anchors', type: 'float32', shape: [n, 4], data: Float32Array.from(TINY_DETECTOR_ANCHORS.flat()) },
      { name: out, type: 'float32', shape: [1, 3, 4] },
      { name: `${out}:1`, type: 'float32', shape: [1, 3] },
      { name: `${out}:2`, type: 'float32', shape: [1, 3] },
      { name: `${out}:3`, type: 'float32', shape: [1] },
    ],
    operators: [
      {
        op: 'CUSTOM',
        customCode: out,
        customOptions: new Uint8Array(customOptions),
        inputs: ['box_encodings', 'class_predictions', 'anchors'],
        outputs: [out, `${out}:1`, `${out}:2`, `${out}:3`],
      },
    ],
    inputs: ['box_encodings', 'class_predictions'],
    outputs: [out, `${out}:1`, `${out}:2`, `${out}:3`],
    metadata: {
      name: 'TinySsdDetector',
      outputs: [
        { name: 'locations' },
        {
          name: 'classes',
          ...(withLabels ? { associatedFiles: [{ name: 'labelmap.txt', type: 'TENSOR_VALUE_LABELS' as const }] } : {}),
        },
        { name: 'scores' },
        { name: 'number of detections' },
      ],
      ...(withLabels ? { files: [{ name: 'labelmap.txt', data: `${TINY_DETECTOR_LABELS.join('\n')}\n` }] } : {}),
    },
  });
}

/**
 * A tiny detector that answers to the image: a float32 48x48 input seen as a 3x3 grid of 16x16 cells, each cell one
 * box (fixed, in the YOLOv8 export layout [1, 4 + classes, boxes]) whose score is the brightest 3x3 mean in the cell
 * (grey, 0-1 with preprocess mean 0 and std 255). A white spot of at least 3x3 pixels scores 1 in its cell when
 * seen 1:1; shrunk 20x with a 1280x720 frame it averages into its surroundings and scores far below 0.5.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeModel } from '../../src/tflite/writer.js';

export const SPOT_INPUT = 48;
export const SPOT_CELL = 16;

/** Box n: column n % 3, row floor(n / 3). */
export function spotDetector(): Uint8Array {
  const boxes = 9;
  const rows = new Float32Array(4 * boxes);
  for (let n = 0; n < boxes; n += 1) {
    rows[n] = ((n % 3) + 0.5) / 3;
    rows[boxes + n] = (Math.floor(n / 3) + 0.5) / 3;
    rows[2 * boxes + n] = 1 / 3;
    rows[3 * boxes + n] = 1 / 3;
  }
  return writeModel({
    description: 'edgepipe test: bright-spot detector, 3x3 cells of 16 px',
    tensors: [
      { name: 'image', type: 'float32', shape: [1, SPOT_INPUT, SPOT_INPUT, 3] },
      { name: 'mean3', type: 'float32', shape: [1, SPOT_INPUT, SPOT_INPUT, 3] },
      { name: 'cells', type: 'float32', shape: [1, 3, 3, 3] },
      { name: 'cells_flat', type: 'float32', shape: [boxes, 3] },
      { name: 'grey_w', type: 'float32', shape: [1, 3], data: Float32Array.from([1 / 3, 1 / 3, 1 / 3]) },
      { name: 'grey_b', type: 'float32', shape: [1], data: Float32Array.from([0]) },
      { name: 'grey', type: 'float32', shape: [boxes, 1] },
      { name: 'scores', type: 'float32', shape: [1, boxes] },
      { name: 'box_rows', type: 'float32', shape: [4, boxes], data: rows },
      { name: 'rows', type: 'float32', shape: [5, boxes] },
      { name: 'output0', type: 'float32', shape: [1, 5, boxes] },
    ],
    operators: [
      { op: 'AVERAGE_POOL_2D', inputs: ['image'], outputs: ['mean3'], options: { filterWidth: 3, filterHeight: 3, padding: 'SAME', strideW: 1, strideH: 1 } },
      { op: 'MAX_POOL_2D', inputs: ['mean3'], outputs: ['cells'], options: { filterWidth: SPOT_CELL, filterHeight: SPOT_CELL, padding: 'VALID', strideW: SPOT_CELL, strideH: SPOT_CELL } },
      { op: 'RESHAPE', inputs: ['cells'], outputs: ['cells_flat'], options: { newShape: [boxes, 3] } },
      { op: 'FULLY_CONNECTED', inputs: ['cells_flat', 'grey_w', 'grey_b'], outputs: ['grey'] },
      { op: 'RESHAPE', inputs: ['grey'], outputs: ['scores'], options: { newShape: [1, boxes] } },
      { op: 'CONCATENATION', inputs: ['box_rows', 'scores'], outputs: ['rows'], options: { axis: 0 } },
      { op: 'RESHAPE', inputs: ['rows'], outputs: ['output0'], options: { newShape: [1, 5, boxes] } },
    ],
    inputs: ['image'],
    outputs: ['output0'],
  });
}

/** The model and a one-line labels file (`spot`) in `dir`. */
export function writeSpotDetector(dir: string): { model: string; labels: string } {
  const model = path.join(dir, 'spot.tflite');
  const labels = path.join(dir, 'spot.txt');
  writeFileSync(model, spotDetector());
  writeFileSync(labels, 'spot\n');
  return { model, labels };
}

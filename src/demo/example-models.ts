/**
 * `edgepipe demo --write-models DIR`: the models the examples in pipelines/ need that edgepipe can write itself,
 * under stable names, so `EDGEPIPE_MODELS=DIR` (next to the downloaded models) makes every example validate.
 */
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EdgepipeError } from '../runtime/errors.js';
import { accelAnomalyModel } from './accel-anomaly-model.js';
import { COLOUR_LABELS, colourClassifierModel } from './colour-classifier.js';
import { COCO80_LABELS, yoloLayoutModel, type FixedDetection } from './yolo-layout-model.js';

export interface ExampleFile {
  name: string;
  /** What it is and which examples use it (printed by the command). */
  what: string;
  bytes: () => Uint8Array | string;
}

export const DEMO_MODEL_FILE = 'colour_classifier_int8.tflite';

/** What the YOLO stand-in reports for any image: a person in the middle, a car at the left (input-normalised). */
export const YOLO_STAND_IN_DETECTIONS: readonly FixedDetection[] = [
  { cx: 0.5, cy: 0.5, w: 0.25, h: 0.25, classIndex: 0, score: 0.9 },
  { cx: 0.25, cy: 0.375, w: 0.125, h: 0.125, classIndex: 2, score: 0.8 },
];

export const EXAMPLE_FILES: readonly ExampleFile[] = [
  {
    name: DEMO_MODEL_FILE,
    what: `the demo's colour classifier (${COLOUR_LABELS.join(', ')}): demo.yaml, mqtt-plain.yaml, mqtt-tls.yaml`,
    bytes: colourClassifierModel,
  },
  {
    name: 'accel_anomaly_int8.tflite',
    what: 'stand-in anomaly scorer for 128 x 3 windows (window energy, untrained): accelerometer-anomaly.yaml, serial-sensor.yaml, mqtt-sensor.yaml',
    bytes: accelAnomalyModel,
  },
  {
    name: 'yolo_int8.tflite',
    what: 'stand-in with a YOLOv8 export\'s output layout, fixed answers (a person, a car): detect-yolo.yaml until you export your own',
    bytes: () => yoloLayoutModel(COCO80_LABELS.length, 20, YOLO_STAND_IN_DETECTIONS),
  },
  {
    name: 'coco80_labels.txt',
    what: 'the 80 COCO class names in YOLO order: detect-yolo.yaml',
    bytes: () => `${COCO80_LABELS.join('\n')}\n`,
  },
];

/**
 * Writes every file of EXAMPLE_FILES into `dir` (created if missing), replacing files of the same names.
 * @throws EdgepipeError (exit code 2) naming the folder when it cannot be created or written
 */
export function writeExampleModels(dir: string): string[] {
  const where = path.resolve(dir);
  try {
    mkdirSync(where, { recursive: true });
    if (!statSync(where).isDirectory()) throw new Error('not a directory');
    accessSync(where, constants.W_OK);
  } catch (error) {
    throw cannotWrite(where, error);
  }
  const written: string[] = [];
  for (const file of EXAMPLE_FILES) {
    const target = path.join(where, file.name);
    try {
      writeFileSync(target, file.bytes());
    } catch (error) {
      throw cannotWrite(target, error);
    }
    written.push(target);
  }
  return written;
}

function cannotWrite(target: string, error: unknown): EdgepipeError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new EdgepipeError('ERR_USAGE', `--write-models cannot write to ${target} (${reason}): choose a folder you can write to`, { exitCode: 2 });
}

/**
 * Shape checks of a PreprocessConfig on its own (without the model). src/config validates YAML first; these
 * guard callers that build configs in code, since `validate` and every pipeline go through the factory.
 * Throws ERR_INVALID_OPTION (exit code 2) naming the first bad field.
 */
import type { PreprocessConfig } from '../config/types.js';
import { invalidOption } from '../runtime/errors.js';

const oneOf = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

function checkEnum(path: string, value: unknown, allowed: readonly unknown[], optional = false): void {
  if (optional && value === undefined) return;
  if (!allowed.includes(value)) throw invalidOption(path, `one of ${oneOf(allowed)}`, value);
}

function checkInteger(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(path, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer between ${min} and ${max}`, value);
  }
}

function checkNumbers(path: string, value: unknown, nonZero: boolean): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length === 0) throw invalidOption(path, 'a non-empty list of numbers', value);
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (nonZero && v === 0)) {
      throw invalidOption(`${path}[${i}]`, nonZero ? 'a finite number other than 0' : 'a finite number', v);
    }
  });
}

/** Throws on the first field that is malformed regardless of the model. */
export function checkPreprocessConfig(config: PreprocessConfig): void {
  checkEnum('preprocess.resize', config.resize, ['fill', 'contain', 'cover']);
  checkEnum('preprocess.rotate', config.rotate, [0, 90, 180, 270]);
  checkEnum('preprocess.flip', config.flip, ['none', 'horizontal', 'vertical']);
  checkEnum('preprocess.colour', config.colour, ['rgb', 'bgr', 'gray'], true);
  checkEnum('preprocess.layout', config.layout, ['nhwc', 'nchw'], true);
  const pad: unknown = config.padColour;
  if (!Array.isArray(pad) || pad.length !== 3) throw invalidOption('preprocess.pad_colour', 'three integers 0-255 (R, G, B)', pad);
  pad.forEach((v: unknown, i) => checkInteger(`preprocess.pad_colour[${i}]`, v, 0, 255));
  if (config.roi !== undefined) {
    checkInteger('preprocess.roi.x', config.roi.x, 0);
    checkInteger('preprocess.roi.y', config.roi.y, 0);
    checkInteger('preprocess.roi.width', config.roi.width, 1);
    checkInteger('preprocess.roi.height', config.roi.height, 1);
  }
  checkNumbers('preprocess.mean', config.mean, false);
  checkNumbers('preprocess.std', config.std, true);
}

/**
 * Errors for a postprocess configuration that does not fit the model: one code, messages that name the config
 * field and say what the model really has (the `validate` command prints them as they are).
 */
import { EdgepipeError } from '../runtime/errors.js';
import { describeTensor, type TensorInfo } from '../runtime/tensor.js';

export const POSTPROCESS_MISMATCH = 'ERR_POSTPROCESS_MISMATCH';

export function mismatch(message: string): EdgepipeError {
  return new EdgepipeError(POSTPROCESS_MISMATCH, message, { exitCode: 2 });
}

/** `"Identity" uint8 [1,1001]` */
export function describeOutput(info: TensorInfo): string {
  return `"${info.name}" ${describeTensor(info)}`;
}

/** `model.tflite has 1 output "Identity" uint8 [1,1001]`, `m.tflite has 2 outputs "a" ..., "b" ...`. */
export function describeOutputs(modelName: string, outputs: readonly TensorInfo[]): string {
  if (outputs.length === 0) return `${modelName} has no outputs`;
  const noun = outputs.length === 1 ? 'output' : 'outputs';
  return `${modelName} has ${outputs.length} ${noun} ${outputs.map(describeOutput).join(', ')}`;
}

/** `output "x" of model.tflite is float32 [1,40,4]` */
export function describeOutputOf(modelName: string, info: TensorInfo): string {
  return `output "${info.name}" of ${modelName} is ${describeTensor(info)}`;
}

/**
 * Checks that the labels name exactly the output's classes once `labelOffset` lines are skipped, and says how
 * to fix the usual off-by-one (a 1001-line ImageNet file with a 1000-class model).
 */
export function checkLabelCount(
  labels: readonly string[] | undefined,
  labelOffset: number,
  classes: number,
  outputName: string,
): void {
  if (labels === undefined) return;
  const usable = labels.length - labelOffset;
  if (usable === classes) return;
  const after = labelOffset > 0 ? ` (${usable} after model.label_offset: ${labelOffset})` : '';
  let message = `model.labels: ${labels.length} labels${after} but output "${outputName}" has ${classes} classes`;
  if (usable === classes + 1 && labelOffset === 0) {
    message += '; set model.label_offset: 1 if the file starts with "background"';
  } else if (usable === classes + 1) {
    message += `; set model.label_offset: ${labelOffset + 1} if line ${labelOffset + 1} ("${labels[labelOffset] ?? ''}") is not a class`;
  } else if (usable === classes - 1 && labelOffset > 0) {
    message += `; set model.label_offset: ${labelOffset - 1} if line ${labelOffset} ("${labels[labelOffset - 1] ?? ''}") is a class`;
  }
  throw mismatch(message);
}

import { EdgepipeError } from '../runtime/errors.js';

/** A model edgepipe optimize refuses to convert or to write; the message names the model, operator and tensor. */
export class OptimizeError extends EdgepipeError {
  /** Exit code 2 (the input model is unsupported) unless given: 1 for a verdict on the result (agreement). */
  constructor(message: string, code = 'ERR_OPTIMIZE_UNSUPPORTED', exitCode: 1 | 2 = 2) {
    super(code, message, { exitCode });
  }
}

import { EdgepipeError } from '../runtime/errors.js';

/** A model edgepipe optimize refuses to convert or to write; the message names the model, operator and tensor. */
export class OptimizeError extends EdgepipeError {
  constructor(message: string, code = 'ERR_OPTIMIZE_UNSUPPORTED') {
    super(code, message, { exitCode: 2 });
  }
}

/** Errors and warnings of sinks: every message starts with `sink <name>:`. */
import { EdgepipeError } from '../runtime/errors.js';

export { describeFsError, errnoCode } from '../sources/errors.js';

export type SinkErrorCode = 'ERR_SINK_OPEN' | 'ERR_SINK_INVALID';

export function sinkError(sink: string, code: SinkErrorCode, detail: string, cause?: unknown): EdgepipeError {
  return new EdgepipeError(code, `sink ${sink}: ${detail}`, { exitCode: 2, ...(cause === undefined ? {} : { cause }) });
}

export const defaultSinkWarn = (message: string): void => {
  process.stderr.write(`warn ${message}\n`);
};

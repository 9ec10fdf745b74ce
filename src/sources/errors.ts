/** Errors raised by sources: one factory so every message starts with the source's name. */
import { EdgepipeError } from '../runtime/errors.js';

export type SourceErrorCode =
  | 'ERR_SOURCE_NOT_FOUND'
  | 'ERR_SOURCE_UNSUPPORTED'
  | 'ERR_SOURCE_EMPTY'
  | 'ERR_SOURCE_INVALID'
  | 'ERR_SOURCE_READ'
  | 'ERR_SOURCE_WATCH';

/** Codes that mean the configuration points at something unusable (exit code 2, like other user errors). */
const userErrors: ReadonlySet<SourceErrorCode> = new Set([
  'ERR_SOURCE_NOT_FOUND',
  'ERR_SOURCE_UNSUPPORTED',
  'ERR_SOURCE_EMPTY',
  'ERR_SOURCE_INVALID',
]);

/** `source <name>: <detail>`, e.g. `source door/images: /data/door: no such file or directory`. */
export function sourceError(source: string, code: SourceErrorCode, detail: string, cause?: unknown): EdgepipeError {
  return new EdgepipeError(code, `source ${source}: ${detail}`, {
    exitCode: userErrors.has(code) ? 2 : 1,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** The errno code of a Node.js system error (`ENOENT`), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * A system error's message without Node's `ENOENT: ` prefix and syscall suffix, for one-line messages.
 * (Shared with src/sinks; a candidate for a util module.)
 */
export function describeFsError(error: unknown): string {
  const code = errnoCode(error);
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a path component is not a directory',
    EISDIR: 'is a directory',
    EMFILE: 'too many open files',
    EIO: 'input/output error',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EROFS: 'read-only file system',
    EEXIST: 'already exists',
    EPIPE: 'the reader went away (broken pipe)',
  };
  if (code !== undefined && known[code] !== undefined) return known[code];
  return error instanceof Error ? error.message : String(error);
}

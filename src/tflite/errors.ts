/**
 * Thrown when bytes that should hold a TFLite model (or its metadata, or the zip
 * archive appended to it) are malformed. The message always starts with the file
 * name, then the cause, e.g.
 * `model.tflite: truncated: table at offset 1234 beyond end (size 1000)`.
 */
export class TfliteFormatError extends Error {
  override readonly name = 'TfliteFormatError';

  /**
   * @param fileName name shown to people (a path or `<buffer>`)
   * @param reason what is wrong, without the file name
   */
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(`${fileName}: ${reason}`);
  }
}

/** Reports a format problem; never returns. Readers take one so nested formats can prefix their context. */
export type FormatFailure = (reason: string) => never;

/** A failure reporter that throws {@link TfliteFormatError} for `fileName`, with an optional context prefix. */
export function formatFailure(fileName: string, context?: string): FormatFailure {
  return (reason: string): never => {
    throw new TfliteFormatError(fileName, context === undefined ? reason : `${context}: ${reason}`);
  };
}

/**
 * Limits on what the loader reads, so a wrong or hostile file cannot exhaust memory or stall `edgepipe run`
 * (issue 11: a 2 MB YAML flow list took 23 s and 1 GB to parse; `${file:/dev/zero}` grew to 8.5 GB; a FIFO hung
 * the loader forever). Real pipeline files are a few KB with a few hundred YAML nodes; secrets are a few hundred bytes.
 */

/** Largest pipeline YAML file, in bytes (1 MiB), checked with fstat before anything is read. */
export const maxConfigFileBytes = 1024 * 1024;

/**
 * Most YAML nodes in one file (keys, values and list items; aliases count every time they are used), counted
 * on the lexer's tokens before the document is composed, so an oversized file is refused in milliseconds.
 */
export const maxYamlNodes = 100_000;

/** Largest file a `${file:PATH}` or `${credential:NAME}` reference reads, in bytes (64 KiB). */
export const maxReferencedFileBytes = 64 * 1024;

/** `1,048,576` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** A limit for people: `1 MiB`, `64 KiB`, `100 bytes`. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${formatCount(bytes)} bytes`;
}

/** A size for people, exact and rounded: `2,000,024 bytes (1.9 MiB)`. */
export function formatSize(bytes: number): string {
  const rounded = bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
  return `${formatCount(bytes)} bytes (${rounded})`;
}

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

/**
 * Most problems listed per file; the rest are counted in one line. A 99,999-item list where maps belong is within
 * the node limit and would otherwise print (and log, on a reload) 99,999 lines.
 */
export const maxProblemsPerFile = 100;

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
  const units: [number, string][] = [[1024 ** 3, 'GiB'], [1024 ** 2, 'MiB'], [1024, 'KiB']];
  const [unit, name] = units.find(([size]) => bytes >= size) ?? [1024, 'KiB'];
  const rounded = `${(bytes / unit).toFixed(1)} ${name}`;
  return `${formatCount(bytes)} bytes (${rounded})`;
}

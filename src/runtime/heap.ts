/**
 * V8 heap setting for a process that runs pipelines.
 *
 * Every frame leaves memory outside the JS heap behind (a camera frame's 0.9 MB buffer and the pipe's chunks,
 * a file's bytes, sharp's output), and V8 counts that memory, from when it is allocated until a collection frees
 * it, against the old generation's allocation limit. edgepipe's heap is small (~12 MB live), so V8's own growing
 * factor (~1.6 here) leaves 8-9 MB of headroom: a 30 fps camera used it up every ~10 frames, and each of those
 * mark-compacts stopped the JS thread for 2-10 ms on a frame (docs/benchmarks.md, "Latency"). A factor of 4,
 * the largest V8 itself picks on a device with enough memory, leaves room for the frames' buffers to die in
 * ordinary scavenges; the old generation may then grow to ~4x its live size (~50 MB) before a mark-compact.
 */
import { setFlagsFromString } from 'node:v8';

/** Old generation limit = live size x (1 + percent / 100) after each mark-compact. */
export const HEAP_GROWING_PERCENT = 300;

/**
 * Applies the growing factor to this process unless node was started with its own `--heap-growing-percent`.
 * V8 reads the flag at each mark-compact, so setting it after start-up takes effect from the next one (node does
 * not accept it in NODE_OPTIONS, so a unit file could not set it there).
 */
export function tuneHeapForFrames(): void {
  if (process.execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** Shared helpers for source tests: a virtual clock, bounded real-time waits, fixture images, handle counts. */
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Observable, Subscription } from 'rxjs';
import type { Frame } from '../../src/core/frame.js';
import type { Clock } from '../../src/sources/types.js';

/**
 * A clock that moves only when the test says so. `sleep(ms <= 0)` yields one real macrotask (like the system
 * clock), so read loops still let real I/O complete.
 */
export class VirtualClock implements Clock {
  private nowMs = 0;
  private readonly wallBaseMs = Date.UTC(2025, 0, 1);
  private sleepers: Array<{ at: number; wake: () => void }> = [];

  now(): number {
    return this.nowMs;
  }

  wallNow(): number {
    return this.wallBaseMs + this.nowMs;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0 || signal.aborted) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve) => {
      const sleeper = {
        at: this.nowMs + ms,
        wake: () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          signal.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal.addEventListener('abort', sleeper.wake, { once: true });
    });
  }

  /** Sleeps not yet due. */
  get sleeping(): number {
    return this.sleepers.length;
  }

  /** Moves time forward and wakes every sleeper now due. */
  advance(ms: number): void {
    this.nowMs += ms;
    for (const sleeper of [...this.sleepers].sort((a, b) => a.at - b.at)) if (sleeper.at <= this.nowMs) sleeper.wake();
  }
}

/** Polls `condition` on the real clock until it holds; fails after `timeoutMs` (a bound, not a measurement). */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Subscribes and records frames, the error and completion. */
export function record(frames: Observable<Frame>): {
  frames: Frame[];
  error: unknown;
  done: boolean;
  subscription: Subscription;
} {
  const state: { frames: Frame[]; error: unknown; done: boolean; subscription: Subscription } = {
    frames: [],
    error: undefined,
    done: false,
    subscription: undefined as unknown as Subscription,
  };
  state.subscription = frames.subscribe({
    next: (frame) => state.frames.push(frame),
    error: (error: unknown) => {
      state.error = error;
      state.done = true;
    },
    complete: () => {
      state.done = true;
    },
  });
  return state;
}

/** Runs `frames` to its end (bounded): the frames, or the error it ended with. */
export async function runToEnd(frames: Observable<Frame>, timeoutMs = 5000): Promise<{ frames: Frame[]; error: unknown }> {
  const state = record(frames);
  try {
    await until(() => state.done, timeoutMs, 'the source to end');
  } finally {
    state.subscription.unsubscribe();
  }
  return { frames: state.frames, error: state.error };
}

const created: string[] = [];

/** A new folder under the OS temp dir; removeTempDirs() (in an afterAll) deletes every one made so far. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `edgepipe-${prefix}-`));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A small solid-colour image encoded as `format` (png, jpeg, webp). */
export function encodedImage(format: 'png' | 'jpeg' | 'webp', rgb: [number, number, number] = [200, 40, 40], size = 8): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .toFormat(format)
    .toBuffer();
}

/** Bytes that start like a BMP file (sharp cannot decode BMP, so the source must refuse it). */
export const BMP_BYTES = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60, 1)]);

/**
 * Counts of what a source or sink could leak: active libuv resources by kind (process.getActiveResourcesInfo()),
 * and file descriptors open on the tests' temporary files (an idle FileHandle is not an active resource).
 */
export function leakableResources(): Record<string, number> {
  const kinds = ['Timeout', 'Immediate', 'FSEventWrap', 'FileHandle', 'FSReqPromise', 'FSReqCallback', 'StatWatcher'];
  const counts: Record<string, number> = Object.fromEntries(kinds.map((kind) => [kind, 0]));
  for (const kind of process.getActiveResourcesInfo()) if (kind in counts) counts[kind]! += 1;
  counts['fd on a test file'] = openTestFiles();
  return counts;
}

function openTestFiles(): number {
  if (!existsSync('/proc/self/fd')) return 0;
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('/edgepipe-')) count += 1;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

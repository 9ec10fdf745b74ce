/**
 * The contract between frame sources and the engine. A source is a recipe: `frames()` returns a cold
 * Observable, and each subscription runs the source afresh and owns everything it opens.
 */
import type { Observable } from 'rxjs';
import type { Frame } from '../core/frame.js';
import type { SourceHealth, SourceState } from '../core/stats-report.js';

/**
 * A source of frames. `frames()` is cold: each subscription starts the source; unsubscribing stops it and
 * releases everything (timers, watchers, file handles). Errors end the observable with an EdgepipeError whose
 * message names the source; the engine supervises and restarts.
 *
 * RxJS has no backpressure: a source emits at its own pace (`fps`, or as fast as it can produce with `fps` 0)
 * and the engine's bounded buffer decides what to drop. Sources never read ahead more than one frame, so a
 * slow consumer costs dropped frames, not memory.
 */
export interface FrameSource {
  /** `<pipeline>/<kind>`, e.g. `door/images`: put in `Frame.source` and in every error message. */
  readonly name: string;
  readonly kind: string;
  frames(): Observable<Frame>;
  /** Supervised sources (cameras) report their state and restarts; others need not. */
  health?(): SourceHealth;
}

export type { SourceHealth, SourceState };

/** Monotonic time and sleeping, injectable so pacing is testable on a virtual clock. */
export interface Clock {
  /** Monotonic milliseconds (performance.now() for the system clock). */
  now(): number;
  /** Wall-clock milliseconds since the epoch (Date.now()). */
  wallNow(): number;
  /**
   * Resolves after `ms` milliseconds, or at once when `signal` aborts (it never rejects: callers check
   * `signal.aborted`). `ms` <= 0 still yields to the event loop (a macrotask), so a loop of sleeps never
   * starves I/O.
   */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** What a source may need from its surroundings; everything is optional. */
export interface SourceContext {
  /** Non-fatal problems (an unsupported file skipped). Default: one line on stderr. */
  warn?: (message: string) => void;
  /** Default: the system clock (performance.now, Date.now, setTimeout). */
  clock?: Clock;
  /**
   * images `watch`: a new file is emitted once its size and mtime stayed the same for this long, ms
   * (default 200).
   */
  settleMs?: number;
  /**
   * Resolves when the pipeline can take another frame. Sources that can wait (images without `fps`) await it
   * before reading the next frame, turning drops into backpressure; live sources ignore it. Default: no waiting.
   */
  demand?: () => Promise<void>;
  /**
   * Supervised producers (camera, audio): runs in a row without output before the source fails (default 5). The
   * engine, which retries failed sources itself (src/pipeline/source-retry.ts), sets 1 so retries do not multiply.
   */
  maxEmptyRuns?: number;
  /**
   * Camera sources run by ffmpeg: resize every frame to this size (`fill`, rgb24) in the decoder. Only when nothing
   * downstream reads the full frame (src/preprocess/decoder-resize.ts decides); frames then carry `scaledFrom`.
   */
  decodeTo?: { width: number; height: number };
}

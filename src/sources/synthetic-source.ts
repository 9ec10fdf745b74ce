/**
 * The `synthetic` source: generated rgb24 test patterns at a steady rate, for demos, tests and benchmarks
 * without a camera.
 *
 * Every frame gets its own exact-size buffer (never reused), because the engine may hold a frame in its buffer
 * while the next one is generated. The cost is one allocation per frame: 640x480 at 30 fps is 27 MB/s of
 * short-lived memory, which V8 collects cheaply; a reused ring would be safe only if every consumer copied.
 */
import { Observable, type Subscriber } from 'rxjs';
import type { SyntheticSourceConfig } from '../config/types.js';
import type { Frame } from '../core/frame.js';
import { systemClock } from './clock.js';
import { sourceError } from './errors.js';
import { FramePacer } from './pacer.js';
import { colourFrame, gradientFrame, noiseFrame, type PatternFrame } from './synthetic-patterns.js';
import type { Clock, FrameSource, SourceContext } from './types.js';

/** Largest side accepted, pixels. */
export const MAX_SYNTHETIC_SIDE = 8192;

const generators: Record<SyntheticSourceConfig['pattern'], (index: number, width: number, height: number) => PatternFrame> = {
  colours: colourFrame,
  gradient: gradientFrame,
  noise: noiseFrame,
};

export class SyntheticSource implements FrameSource {
  readonly kind = 'synthetic';
  readonly name: string;
  private readonly config: SyntheticSourceConfig;
  private readonly clock: Clock;
  /** Ids continue across subscriptions of this instance; the pattern restarts at frame 0 on each. */
  private nextId = 0;

  constructor(pipelineName: string, config: SyntheticSourceConfig, context: SourceContext = {}) {
    this.name = `${pipelineName}/synthetic`;
    this.config = config;
    this.clock = context.clock ?? systemClock;
  }

  frames(): Observable<Frame> {
    return new Observable<Frame>((subscriber) => {
      const stop = new AbortController();
      this.run(subscriber, stop.signal).then(
        () => {
          if (!stop.signal.aborted) subscriber.complete();
        },
        (error: unknown) => {
          if (!stop.signal.aborted) subscriber.error(error);
        },
      );
      return () => stop.abort();
    });
  }

  /** The first configuration problem, or undefined. (src/config validates too; this guards direct use.) */
  private invalid(): string | undefined {
    const { width, height, fps, frames, pattern } = this.config;
    const side = (value: number): boolean => Number.isInteger(value) && value >= 1 && value <= MAX_SYNTHETIC_SIDE;
    if (!side(width)) return `width must be an integer from 1 to ${MAX_SYNTHETIC_SIDE}, got ${width}`;
    if (!side(height)) return `height must be an integer from 1 to ${MAX_SYNTHETIC_SIDE}, got ${height}`;
    if (!Number.isFinite(fps) || fps < 0) return `fps must be a number >= 0, got ${fps}`;
    if (!Number.isInteger(frames) || frames < 0) return `frames must be an integer >= 0, got ${frames}`;
    if (!(pattern in generators)) return `pattern must be colours, gradient or noise, got ${String(pattern)}`;
    return undefined;
  }

  private async run(subscriber: Subscriber<Frame>, signal: AbortSignal): Promise<void> {
    const problem = this.invalid();
    if (problem) throw sourceError(this.name, 'ERR_SOURCE_INVALID', problem);
    const { width, height, fps, frames, pattern } = this.config;
    const generate = generators[pattern];
    const pacer = new FramePacer(fps, this.clock);
    for (let index = 0; frames === 0 || index < frames; index++) {
      // Generated before the wait, so the frame leaves on its slot (the capture time is the slot's).
      const { data, meta } = generate(index, width, height);
      await pacer.wait(signal);
      if (signal.aborted) return;
      subscriber.next({
        id: this.nextId++,
        source: this.name,
        capturedMonoMs: this.clock.now(),
        capturedWallMs: this.clock.wallNow(),
        payload: { kind: 'raw', format: 'rgb24', width, height, data },
        meta,
      });
    }
  }
}

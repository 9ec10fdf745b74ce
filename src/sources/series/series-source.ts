/**
 * A sensor source: a device's samples (SampleProducer) cut into windows, each window one frame. Counts samples,
 * filled values and dropped windows next to the producer's own health.
 */
import { Observable } from 'rxjs';
import type { WindowConfig } from '../../config/types.js';
import type { Frame } from '../../core/frame.js';
import { DemandQueue } from '../demand-queue.js';
import type { FrameSource, SourceHealth } from '../types.js';
import type { SampleProducer } from './types.js';
import { Windower, type WindowCounters } from './windower.js';

export class SeriesSource implements FrameSource {
  readonly name: string;
  readonly kind: string;
  private readonly producer: SampleProducer;
  private readonly window: WindowConfig;
  private counters: WindowCounters = { samples: 0, windows: 0, filledValues: 0, incompleteWindows: 0, discardedAtRestart: 0 };
  private ended = false;
  /** Ids continue across subscriptions: a restarted stream never repeats an id (the source contract). */
  private nextId = 0;
  private readonly demand: (() => Promise<void>) | undefined;

  /** `demand` (SourceContext.demand) paces a producer that is `paced`; others ignore it. */
  constructor(producer: SampleProducer, window: WindowConfig, demand?: () => Promise<void>) {
    this.producer = producer;
    this.name = producer.name;
    this.kind = producer.kind;
    this.window = window;
    this.demand = producer.paced ? demand : undefined;
  }

  get channels(): readonly string[] {
    return this.producer.channels;
  }

  frames(): Observable<Frame> {
    return new Observable<Frame>((subscriber) => {
      const windower = new Windower(this.producer.channels, this.window);
      this.counters = windower.counters;
      this.ended = false;
      let closed = false;
      const queue = this.demand
        ? new DemandQueue<Frame>(this.demand, {
            hold: () => this.producer.hold?.(),
            release: () => this.producer.release?.(),
            deliver: (frame) => subscriber.next(frame),
            closed: () => closed,
          })
        : undefined;
      const subscription = this.producer.samples().subscribe({
        next: (batch) => {
          for (const window of windower.push(batch)) {
            const frame: Frame = {
              id: this.nextId++,
              source: this.name,
              capturedMonoMs: window.monoMs,
              capturedWallMs: window.wallMs,
              payload: window.payload,
              meta: { samples: windower.counters.samples },
            };
            if (queue) queue.push(frame);
            else subscriber.next(frame);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        // Windows still waiting for room are delivered before the end.
        complete: () =>
          (queue ?? { whenDrained: (then: () => void) => then() }).whenDrained(() => {
            this.ended = true;
            subscriber.complete();
          }),
      });
      return () => {
        closed = true;
        subscription.unsubscribe();
      };
    });
  }

  health(): SourceHealth {
    const own = this.producer.health?.() ?? { state: this.ended ? 'ended' : 'running', restarts: 0, corruptFrames: 0, downtimeMs: 0 };
    const { samples, filledValues, incompleteWindows, discardedAtRestart } = this.counters;
    return { ...own, series: { samples, filledValues, incompleteWindows, discardedAtRestart } };
  }
}

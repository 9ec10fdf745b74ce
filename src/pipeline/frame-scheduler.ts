/**
 * The RxJS operator between a source and the sinks: a bounded buffer of waiting frames (the YAML's policy),
 * preprocessing into staging slots and inference on a pool, overlapped so that frame n+1 is prepared while
 * frame n is inferred. RxJS itself has no backpressure (mergeMap buffers without limit); here loss is chosen
 * deliberately and every dropped frame is counted.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { BufferConfig } from '../config/types.js';
import type { Frame } from '../core/frame.js';
import type { DropReason } from '../core/stats-report.js';

/** Prepared frames carry their staging slot. */
export interface SlotCarrier {
  slot: number;
}

export interface SchedulerStages<Prepared extends SlotCarrier, Out> {
  /** Prepares a frame into staging slot `slot`; rejects for a bad frame (counted, the pipeline goes on). */
  preprocess(frame: Frame, slot: number): Promise<Prepared>;
  /**
   * Runs inference and postprocessing. Must call `releaseSlot()` as soon as the slot's bytes are copied into
   * the interpreter (that is what lets the next frame be prepared meanwhile). Resolves undefined when the
   * frame was dropped (the stage counts why).
   */
  infer(prepared: Prepared, releaseSlot: () => void): Promise<Out | undefined>;
}

export interface SchedulerOptions<Prepared extends SlotCarrier, Out> {
  buffer: BufferConfig;
  /** Staging slots: frames prepared ahead of inference (pool size + 1 keeps every interpreter fed). */
  slots: number;
  /** Concurrent inferences (the interpreter pool's size, read on each scheduling decision). */
  maxInFlight: () => number;
  stages: SchedulerStages<Prepared, Out>;
  onDrop: (reason: DropReason, frame: Frame, error?: unknown) => void;
  /** True once the pipeline is stopping: waiting frames are dropped instead of processed when the source ends. */
  stopping: () => boolean;
  /** Told whether the buffer has room, for sources that wait instead of being dropped. */
  onRoom?: (hasRoom: boolean) => void;
}

export function scheduleFrames<Prepared extends SlotCarrier, Out>(options: SchedulerOptions<Prepared, Out>): OperatorFunction<Frame, Out> {
  return (source) =>
    new Observable<Out>((subscriber) => {
      const waiting: Frame[] = [];
      const freeSlots = Array.from({ length: options.slots }, (_, i) => i);
      const prepared: Prepared[] = [];
      let preprocessing = 0;
      let inferring = 0;
      let sourceDone = false;
      let closed = false;

      const accept = (frame: Frame): void => {
        while (waiting.length >= capacity) options.onDrop('buffer', waiting.shift()!);
        waiting.push(frame);
        pump();
      };

      const capacity = options.buffer.policy === 'latest' ? 1 : options.buffer.size;
      const pump = (): void => {
        if (closed) return;
        pumpStages();
        options.onRoom?.(waiting.length < capacity);
      };

      const pumpStages = (): void => {
        while (prepared.length > 0 && inferring < options.maxInFlight()) startInfer(prepared.shift()!);
        if (sourceDone && options.stopping()) {
          for (const frame of waiting.splice(0)) options.onDrop('stopping', frame);
        }
        while (preprocessing === 0 && freeSlots.length > 0 && waiting.length > 0) startPreprocess(waiting.shift()!);
        if (sourceDone && waiting.length === 0 && preprocessing === 0 && inferring === 0 && prepared.length === 0) {
          closed = true;
          subscriber.complete();
        }
      };

      const startPreprocess = (frame: Frame): void => {
        const slot = freeSlots.shift()!;
        preprocessing += 1;
        options.stages.preprocess(frame, slot).then(
          (ready) => {
            preprocessing -= 1;
            prepared.push(ready);
            pump();
          },
          (error: unknown) => {
            preprocessing -= 1;
            freeSlots.push(slot);
            options.onDrop('preprocess_error', frame, error);
            pump();
          },
        );
      };

      const startInfer = (ready: Prepared): void => {
        inferring += 1;
        let released = false;
        const releaseSlot = (): void => {
          if (released) return;
          released = true;
          freeSlots.push(ready.slot);
          pump();
        };
        options.stages.infer(ready, releaseSlot).then(
          (out) => {
            releaseSlot();
            inferring -= 1;
            if (out !== undefined && !closed) subscriber.next(out);
            pump();
          },
          (error: unknown) => {
            releaseSlot();
            inferring -= 1;
            if (!closed) {
              closed = true;
              subscriber.error(error);
            }
          },
        );
      };

      const upstream = source.subscribe({
        next: accept,
        error: (error: unknown) => {
          closed = true;
          subscriber.error(error);
        },
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      return () => {
        closed = true;
        upstream.unsubscribe();
      };
    });
}


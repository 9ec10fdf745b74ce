/**
 * The RxJS operator between a source and the sinks: a bounded buffer of waiting frames (the YAML's policy),
 * preprocessing into staging slots and inference on a pool, overlapped so that frame n+1 is prepared while
 * frame n is inferred. RxJS itself has no backpressure (mergeMap buffers without limit); here loss is chosen
 * deliberately and every dropped frame is counted.
 *
 * With `latest`, the frame inferred next is the newest one prepared when an interpreter becomes free: a prepared
 * frame that a newer one overtakes before it reached an interpreter is dropped (`stale`) and its slot freed, so
 * only one prepared frame ever waits. Preprocessing goes on while the interpreters are busy (without it an
 * interpreter would sit idle for a whole preprocess after each invoke), but while a prepared frame is already
 * waiting, the next preprocess starts only shortly before an interpreter may be free (the shortest recent
 * inference, less the longest recent preprocess), then they follow each other until it is: preparing every camera
 * frame would only make most of them stale, and the CPU they cost is taken from the invoke on a small board. Where
 * invoke times vary a lot (a busy host) this falls back towards preparing every frame, never to inferring an old
 * one. A frame replaced in the buffer before its
 * preprocessing started is never preprocessed (`buffer`). With `queue`, every frame is kept, in order.
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
  /** Staging slots: frames prepared ahead of inference (pool size + 1 keeps every interpreter fed; at least 2). */
  slots: number;
  /** Concurrent inferences (the interpreter pool's size, read on each scheduling decision). */
  maxInFlight: () => number;
  stages: SchedulerStages<Prepared, Out>;
  onDrop: (reason: DropReason, frame: Frame, error?: unknown) => void;
  /**
   * True once the pipeline is stopping: when the source ends then, frames not yet handed to an interpreter
   * (waiting, or prepared and waiting for one) are dropped (`stopping`) instead of processed.
   */
  stopping: () => boolean;
  /**
   * Told whether a frame accepted now would be processed rather than dropped, for sources that wait instead of
   * being dropped. `queue`: the buffer has room. `latest`: nothing waits, is being prepared or is prepared, so a
   * new frame can overtake nothing (a file source under `latest` loses no file).
   */
  onRoom?: (hasRoom: boolean) => void;
}

interface PreparedFrame<Prepared> {
  ready: Prepared;
  frame: Frame;
}

/** The last few durations of a stage (ms). */
class RecentDurations {
  private readonly values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
    if (this.values.length > 9) this.values.shift();
  }

  get min(): number | undefined {
    return this.values.length === 0 ? undefined : Math.min(...this.values);
  }

  get max(): number | undefined {
    return this.values.length === 0 ? undefined : Math.max(...this.values);
  }
}

/** Margin for the event loop's own delays (a timer fires late, a callback waits its turn), ms. */
const JITTER_MS = 2;

export function scheduleFrames<Prepared extends SlotCarrier, Out>(options: SchedulerOptions<Prepared, Out>): OperatorFunction<Frame, Out> {
  const latest = options.buffer.policy === 'latest';
  const capacity = latest ? 1 : options.buffer.size;
  return (source) =>
    new Observable<Out>((subscriber) => {
      const waiting: Frame[] = [];
      const freeSlots = Array.from({ length: options.slots }, (_, i) => i);
      /** In order of capture; with `latest` at most one entry between two pumps. */
      const prepared: Array<PreparedFrame<Prepared>> = [];
      let preprocessing = 0;
      let inferring = 0;
      let sourceDone = false;
      let closed = false;
      /** performance.now() at the start of each inference in flight, by a number of its own. */
      const inferStarts = new Map<number, number>();
      let inferCount = 0;
      const inferMs = new RecentDurations();
      const preprocessMs = new RecentDurations();
      let timer: NodeJS.Timeout | undefined;

      const accept = (frame: Frame): void => {
        while (waiting.length >= capacity) options.onDrop('buffer', waiting.shift()!);
        waiting.push(frame);
        pump();
      };

      const hasRoom = (): boolean => (latest ? waiting.length === 0 && preprocessing === 0 && prepared.length === 0 : waiting.length < capacity);

      const pump = (): void => {
        if (closed) return;
        pumpStages();
        options.onRoom?.(hasRoom());
      };

      const dropPrepared = (reason: DropReason, entries: Array<PreparedFrame<Prepared>>): void => {
        for (const entry of entries) {
          freeSlots.push(entry.ready.slot);
          options.onDrop(reason, entry.frame);
        }
      };

      /**
       * `latest`, a prepared frame waiting and every interpreter busy: when to start the preprocess that will
       * replace it, so that it ends about when the first interpreter is free; undefined = now.
       */
      const replaceAt = (): number | undefined => {
        if (!latest || prepared.length === 0 || inferring < options.maxInFlight() || inferStarts.size === 0) return undefined;
        const infer = inferMs.min;
        const preprocess = preprocessMs.max;
        if (infer === undefined || preprocess === undefined) return undefined;
        // Early rather than late: a late start leaves the interpreter the older frame for a whole inference.
        const at = Math.min(...inferStarts.values()) + infer - preprocess - JITTER_MS;
        return at > performance.now() ? at : undefined;
      };

      const startPreprocesses = (): void => {
        clearTimeout(timer);
        timer = undefined;
        const at = waiting.length > 0 ? replaceAt() : undefined;
        if (at !== undefined) {
          // The waiting frame stays in the buffer, where a newer one replaces it, until then.
          timer = setTimeout(pump, at - performance.now());
          timer.unref();
          return;
        }
        while (preprocessing === 0 && freeSlots.length > 0 && waiting.length > 0) startPreprocess(waiting.shift()!);
      };

      const pumpStages = (): void => {
        while (prepared.length > 0 && inferring < options.maxInFlight()) startInfer(prepared.shift()!);
        if (sourceDone && options.stopping()) {
          for (const frame of waiting.splice(0)) options.onDrop('stopping', frame);
          dropPrepared('stopping', prepared.splice(0));
        }
        startPreprocesses();
        if (sourceDone && waiting.length === 0 && preprocessing === 0 && inferring === 0 && prepared.length === 0) {
          closed = true;
          subscriber.complete();
        }
      };

      const startPreprocess = (frame: Frame): void => {
        const slot = freeSlots.shift()!;
        preprocessing += 1;
        const start = performance.now();
        options.stages.preprocess(frame, slot).then(
          (ready) => {
            preprocessing -= 1;
            preprocessMs.add(performance.now() - start);
            if (closed) {
              freeSlots.push(slot);
              options.onDrop('stopping', frame);
              return;
            }
            // Newer than anything prepared (one preprocess at a time, in arrival order): what waits is stale.
            if (latest) dropPrepared('stale', prepared.splice(0));
            prepared.push({ ready, frame });
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

      const startInfer = ({ ready }: PreparedFrame<Prepared>): void => {
        inferring += 1;
        const id = inferCount++;
        const start = performance.now();
        inferStarts.set(id, start);
        const finished = (): void => {
          inferStarts.delete(id);
          inferMs.add(performance.now() - start);
        };
        let released = false;
        const releaseSlot = (): void => {
          if (released) return;
          released = true;
          freeSlots.push(ready.slot);
          pump();
        };
        options.stages.infer(ready, releaseSlot).then(
          (out) => {
            finished();
            releaseSlot();
            inferring -= 1;
            // After an unsubscribe the output goes nowhere; the stage has counted it already (as out or dropped).
            if (out !== undefined && !closed) subscriber.next(out);
            pump();
          },
          (error: unknown) => {
            finished();
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
        clearTimeout(timer);
        upstream.unsubscribe();
        // Unsubscribed before the stream ended (a stop that ran out of time, a failure): what will never be
        // processed is counted, so frames in = frames out + drops still holds.
        for (const frame of waiting.splice(0)) options.onDrop('stopping', frame);
        dropPrepared('stopping', prepared.splice(0));
      };
    });
}

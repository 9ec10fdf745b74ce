/**
 * The frame scheduler with stages the test drives: each preprocess and each infer is a promise the test settles,
 * so the order of events (a frame arriving while the interpreter is busy, a newer frame prepared while an older
 * one waits) is exact. The clock (performance.now, setTimeout) is faked: it stands still unless a test moves it,
 * so the scheduler's timing of the next preprocess acts only where a test asks for it.
 */
import { Subject, type Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BufferConfig } from '../../src/config/types.js';
import type { Frame } from '../../src/core/frame.js';
import { scheduleFrames } from '../../src/pipeline/frame-scheduler.js';
import type { DropReason } from '../../src/pipeline/stats.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Prepared {
  slot: number;
  id: number;
}

/** Lets every settled promise's handlers run (one macrotask turn: the scheduler's chains are all microtasks). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function frame(id: number): Frame {
  return { id, source: 'test', capturedMonoMs: performance.now(), capturedWallMs: Date.now(), payload: { kind: 'encoded', bytes: new Uint8Array(0) }, meta: {} };
}

/** One scheduler over a Subject, with the slots the test sees in use (taken at preprocess, freed by the scheduler). */
class Harness {
  readonly source = new Subject<Frame>();
  readonly preprocesses: Array<{ id: number; slot: number; done: Deferred<Prepared> }> = [];
  readonly infers: Array<{ id: number; release: () => void; done: Deferred<string | undefined> }> = [];
  readonly drops: Array<[DropReason, number]> = [];
  readonly outputs: string[] = [];
  readonly rooms: boolean[] = [];
  readonly slotsInUse = new Set<number>();
  readonly slotOf = new Map<number, number>();
  stopping = false;
  completed = false;
  error: unknown;
  framesIn = 0;
  readonly subscription: Subscription;

  constructor(buffer: BufferConfig, slots = 2, pool = 1) {
    this.subscription = this.source
      .pipe(
        scheduleFrames<Prepared, string>({
          buffer,
          slots,
          maxInFlight: () => pool,
          stopping: () => this.stopping,
          onRoom: (room) => this.rooms.push(room),
          onDrop: (reason, f) => {
            this.drops.push([reason, f.id]);
            // A frame the scheduler drops after it got a slot (stale, failed, stopping) has given the slot back.
            this.free(f.id);
          },
          stages: {
            preprocess: (f, slot) => {
              expect(this.slotsInUse.has(slot), `slot ${slot} handed out twice (frame ${f.id})`).toBe(false);
              this.slotsInUse.add(slot);
              this.slotOf.set(f.id, slot);
              const done = deferred<Prepared>();
              this.preprocesses.push({ id: f.id, slot, done });
              return done.promise;
            },
            infer: (prepared, releaseSlot) => {
              const done = deferred<string | undefined>();
              this.infers.push({
                id: prepared.id,
                release: () => {
                  this.free(prepared.id);
                  releaseSlot();
                },
                done,
              });
              return done.promise;
            },
          },
        }),
      )
      .subscribe({
        next: (out) => this.outputs.push(out),
        error: (error: unknown) => {
          this.error = error;
        },
        complete: () => {
          this.completed = true;
        },
      });
  }

  private free(id: number): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    this.slotOf.delete(id);
    this.slotsInUse.delete(slot);
  }

  async emit(id: number): Promise<void> {
    this.framesIn += 1;
    this.source.next(frame(id));
    await settle();
  }

  /** Finishes the preprocess of frame `id`. */
  async prepare(id: number): Promise<void> {
    const call = this.preprocesses.find((p) => p.id === id);
    expect(call, `frame ${id} was never preprocessed`).toBeDefined();
    call!.done.resolve({ slot: call!.slot, id });
    await settle();
  }

  async failPreprocess(id: number): Promise<void> {
    this.preprocesses.find((p) => p.id === id)!.done.reject(new Error(`frame ${id} is corrupt`));
    await settle();
  }

  /** The interpreter copies frame `id`'s input (its slot is free again) and finishes with an output. */
  async infer(id: number, output: string | undefined = `out ${id}`): Promise<void> {
    const call = this.infers.find((p) => p.id === id);
    expect(call, `frame ${id} was never inferred`).toBeDefined();
    call!.release();
    call!.done.resolve(output);
    await settle();
  }

  /** The interpreter has taken frame `id`'s input (setInput) but is still invoking. */
  async copied(id: number): Promise<void> {
    this.infers.find((p) => p.id === id)!.release();
    await settle();
  }

  preprocessed(): number[] {
    return this.preprocesses.map((p) => p.id);
  }

  inferred(): number[] {
    return this.infers.map((p) => p.id);
  }

  dropped(reason: DropReason): number[] {
    return this.drops.filter(([r]) => r === reason).map(([, id]) => id);
  }
}

const latest: BufferConfig = { policy: 'latest', size: 1 };
const queue: BufferConfig = { policy: 'queue', size: 8 };

describe('frame scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('latest: the frame inferred next is the newest prepared one; the one it overtook is dropped as stale', async () => {
    const h = new Harness(latest);
    await h.emit(0);
    await h.prepare(0);
    expect(h.inferred()).toEqual([0]);
    await h.copied(0);
    // The interpreter is busy with 0: 1 is prepared meanwhile (pipelining) and waits.
    await h.emit(1);
    await h.prepare(1);
    expect(h.inferred()).toEqual([0]);
    // 2 is prepared while 1 waits: 1 is stale before it ever reached the interpreter.
    await h.emit(2);
    await h.prepare(2);
    expect(h.dropped('stale')).toEqual([1]);
    await h.emit(3);
    expect(h.preprocessed()).toEqual([0, 1, 2, 3]);
    await h.infer(0);
    // Free again: the newest prepared frame (2), not the oldest waiting one (1).
    expect(h.inferred()).toEqual([0, 2]);
    await h.copied(2);
    await h.prepare(3);
    await h.infer(2);
    expect(h.inferred()).toEqual([0, 2, 3]);
    await h.infer(3);
    expect(h.outputs).toEqual(['out 0', 'out 2', 'out 3']);
    expect(h.drops).toEqual([['stale', 1]]);
  });

  it('latest: while a prepared frame waits, the preprocess that replaces it starts just in time for the interpreter', async () => {
    const h = new Harness(latest);
    const advance = (ms: number): void => void vi.advanceTimersByTime(ms);
    // Frame 0: preprocess 10 ms, then inferred from t=10 to t=110; frame 1 prepared meanwhile (10 ms).
    await h.emit(0);
    advance(10);
    await h.prepare(0);
    await h.copied(0);
    await h.emit(1);
    advance(10);
    await h.prepare(1);
    advance(90);
    await h.infer(0);
    // Known now: preprocesses take 10 ms, inferences 100 ms. Frame 1 is inferred from t=110 (until ~t=210).
    expect(h.inferred()).toEqual([0, 1]);
    await h.copied(1);
    await h.emit(2);
    advance(10);
    await h.prepare(2);
    // t=120, 2 waits for the interpreter: 3 would be stale long before it is free, so it is not prepared yet...
    await h.emit(3);
    advance(30);
    await h.emit(4);
    advance(30);
    await h.emit(5);
    expect(h.preprocessed()).toEqual([0, 1, 2]);
    expect(h.dropped('buffer')).toEqual([3, 4]);
    // ...until a preprocess plus 2 ms before the interpreter may be free (t=198), when the newest one is.
    advance(17);
    await Promise.resolve();
    expect(h.preprocessed()).toEqual([0, 1, 2]);
    advance(1);
    expect(h.preprocessed()).toEqual([0, 1, 2, 5]);
    advance(10);
    await h.prepare(5);
    expect(h.dropped('stale')).toEqual([2]);
    advance(2);
    await h.infer(1);
    expect(h.inferred()).toEqual([0, 1, 5]);
  });

  it('latest: a frame replaced in the buffer before its preprocessing began is never preprocessed', async () => {
    const h = new Harness(latest);
    await h.emit(0);
    // 0 is being preprocessed: 1 waits in the buffer, 2 replaces it, then 3 replaces 2.
    await h.emit(1);
    await h.emit(2);
    await h.emit(3);
    expect(h.dropped('buffer')).toEqual([1, 2]);
    await h.prepare(0);
    expect(h.preprocessed()).toEqual([0, 3]);
  });

  it('latest: with the interpreter stuck, every prepared frame but the newest is counted stale', async () => {
    const h = new Harness(latest);
    await h.emit(0);
    await h.prepare(0);
    await h.copied(0);
    for (let id = 1; id <= 30; id += 1) {
      await h.emit(id);
      await h.prepare(id);
    }
    expect(h.dropped('stale')).toEqual([...Array(29).keys()].map((i) => i + 1));
    await h.infer(0);
    expect(h.inferred()).toEqual([0, 30]);
    await h.infer(30);
    h.source.complete();
    await settle();
    expect(h.completed).toBe(true);
    expect(h.outputs.length + h.drops.length).toBe(h.framesIn);
  });

  it('queue: every frame is inferred, in order, none stale', async () => {
    const h = new Harness(queue);
    await h.emit(0);
    await h.prepare(0);
    await h.copied(0);
    for (let id = 1; id <= 5; id += 1) await h.emit(id);
    await h.prepare(1);
    await h.prepare(2);
    await h.infer(0);
    await h.copied(1);
    await h.prepare(3);
    await h.infer(1);
    for (const id of [2, 3]) {
      await h.copied(id);
      await h.infer(id);
    }
    await h.prepare(4);
    await h.infer(4);
    await h.prepare(5);
    await h.infer(5);
    expect(h.inferred()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.outputs).toEqual([0, 1, 2, 3, 4, 5].map((id) => `out ${id}`));
    expect(h.drops).toEqual([]);
  });

  it('no slot leaks: stale frames, failed preprocesses and dropped inferences all give their slot back', async () => {
    const h = new Harness(latest);
    let id = 0;
    for (let round = 0; round < 40; round += 1) {
      const first = id++;
      await h.emit(first);
      await h.prepare(first);
      await h.copied(first);
      // Two more prepared while the interpreter is busy (one stale), and a corrupt one.
      const second = id++;
      await h.emit(second);
      await h.prepare(second);
      const third = id++;
      await h.emit(third);
      await h.prepare(third);
      const corrupt = id++;
      await h.emit(corrupt);
      await h.failPreprocess(corrupt);
      // Every other inference is dropped by the stage (an invoke error): no output, slot still released.
      await h.infer(first, round % 2 === 0 ? undefined : `out ${first}`);
      await h.infer(third);
    }
    // Had one slot leaked per round, preprocessing would have stalled after two rounds.
    expect(h.preprocessed()).toHaveLength(160);
    expect(h.dropped('stale')).toHaveLength(40);
    expect(h.dropped('preprocess_error')).toHaveLength(40);
    expect(h.slotsInUse.size).toBe(0);
    h.source.complete();
    await settle();
    expect(h.completed).toBe(true);
  });

  it('latest tells a waiting source there is room only when nothing is waiting, preparing or prepared', async () => {
    const h = new Harness(latest);
    await h.emit(0);
    expect(h.rooms.at(-1)).toBe(false);
    await h.prepare(0);
    // 0 went straight to the idle interpreter: a new frame would overtake nothing.
    expect(h.rooms.at(-1)).toBe(true);
    await h.copied(0);
    await h.emit(1);
    await h.prepare(1);
    // 1 waits for the interpreter: a file source must not read the next file (it would make 1 stale).
    expect(h.rooms.at(-1)).toBe(false);
    await h.infer(0);
    expect(h.inferred()).toEqual([0, 1]);
    expect(h.rooms.at(-1)).toBe(true);
  });

  it('stop while frames wait for the interpreter: they are dropped as stopping, the frame being inferred finishes', async () => {
    const h = new Harness(latest);
    await h.emit(0);
    await h.prepare(0);
    await h.copied(0);
    await h.emit(1);
    await h.prepare(1);
    await h.emit(2);
    await h.emit(3);
    // 0 is inferred, 1 prepared and waiting, 2 being preprocessed, 3 in the buffer.
    h.stopping = true;
    h.source.complete();
    await settle();
    expect(h.dropped('stopping')).toEqual([3, 1]);
    await h.prepare(2);
    expect(h.dropped('stopping')).toEqual([3, 1, 2]);
    expect(h.completed).toBe(false);
    await h.infer(0);
    expect(h.inferred()).toEqual([0]);
    expect(h.outputs).toEqual(['out 0']);
    expect(h.completed).toBe(true);
    expect(h.slotsInUse.size).toBe(0);
    expect(h.outputs.length + h.drops.length).toBe(h.framesIn);
  });

  it('unsubscribed while frames wait (a stop out of time): they are counted, nothing is emitted or started after', async () => {
    const h = new Harness(latest);
    await h.emit(0);
    await h.prepare(0);
    await h.copied(0);
    await h.emit(1);
    await h.prepare(1);
    await h.emit(2);
    await h.emit(3);
    h.subscription.unsubscribe();
    expect(h.drops).toEqual([
      ['stopping', 3],
      ['stopping', 1],
    ]);
    await h.prepare(2);
    await h.infer(0);
    expect(h.inferred()).toEqual([0]);
    expect(h.outputs).toEqual([]);
    expect(h.dropped('stopping')).toEqual([3, 1, 2]);
    expect(h.completed).toBe(false);
  });
});

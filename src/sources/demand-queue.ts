/**
 * Backpressure for a finite input read from a child's stdout (a video or sound file decoded by ffmpeg, a `finite`
 * command) when nothing paces it: one pipe read can hold several frames or windows, and the pipeline's buffer
 * would drop all but the ones it has room for. Items are handed on one at a time, each once the pipeline has room
 * (SourceContext.demand), and the producer is held (its stdout paused, so it blocks on a full pipe) while any wait.
 * What waits here is bounded by one pipe read.
 */
export interface DemandQueueHooks<T> {
  /** Stop reading the producer (called when an item starts waiting). */
  hold(): void;
  /** Read the producer again (called when nothing waits any more). */
  release(): void;
  /** Hand one item on. */
  deliver(item: T): void;
  /** True once the subscription ended: waiting items are dropped. */
  closed(): boolean;
}

export class DemandQueue<T> {
  private readonly demand: () => Promise<void>;
  private readonly hooks: DemandQueueHooks<T>;
  private readonly items: T[] = [];
  private waiting = false;
  private drained: (() => void) | undefined;

  constructor(demand: () => Promise<void>, hooks: DemandQueueHooks<T>) {
    this.demand = demand;
    this.hooks = hooks;
  }

  /** Items not handed on yet. */
  get pending(): number {
    return this.items.length + (this.waiting ? 1 : 0);
  }

  push(item: T): void {
    this.items.push(item);
    if (this.items.length === 1 && !this.waiting) this.hooks.hold();
    this.pump();
  }

  /** Calls `then` once every item pushed so far was handed on (at once when none waits). */
  whenDrained(then: () => void): void {
    if (this.pending === 0) then();
    else this.drained = then;
  }

  private pump(): void {
    if (this.waiting) return;
    if (this.hooks.closed()) {
      this.items.length = 0;
      return;
    }
    const item = this.items.shift();
    if (item === undefined) {
      this.hooks.release();
      const drained = this.drained;
      this.drained = undefined;
      drained?.();
      return;
    }
    this.waiting = true;
    void this.demand().then(() => {
      this.waiting = false;
      if (this.hooks.closed()) {
        this.items.length = 0;
        return;
      }
      this.hooks.deliver(item);
      this.pump();
    });
  }
}

/**
 * Demand from the frame buffer to sources that can wait. A file source without a rate has no reason to outrun
 * the model: instead of reading frames only for the buffer to drop them, it waits until the buffer has room.
 * Live sources (cameras, synthetic frames at a rate) never wait: for them, drops are the point.
 */
export class DemandGate {
  private open = true;
  private waiters: Array<() => void> = [];

  /** Resolves at once while the buffer has room, else when it next has room. */
  wait(): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Called by the scheduler whenever the buffer's fill changes. */
  update(hasRoom: boolean): void {
    this.open = hasRoom;
    if (!hasRoom) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Releases every waiter for good (the pipeline is stopping). */
  close(): void {
    this.update(true);
  }
}

/** OutboxQueue with refused messages: a retry goes ahead of newer messages, never twice in flight, and never blocks them. */
import { describe, expect, it } from 'vitest';
import type { OutboxRecord } from '../../src/sinks/mqtt/outbox-files.js';
import { OutboxQueue } from '../../src/sinks/mqtt/outbox-queue.js';

const record = (seq: number): OutboxRecord => ({ seq, atMs: 1000, topic: 't/a', payload: `{"seq":${seq}}` });

function queueOf(n: number): OutboxQueue {
  const queue = new OutboxQueue({ maxBytes: 1 << 20, maxAgeMs: 60_000 }, 0);
  for (let seq = 1; seq <= n; seq++) queue.add(record(seq), true);
  return queue;
}

const take = (queue: OutboxQueue, n: number): Array<number | undefined> => Array.from({ length: n }, () => queue.takeNext()?.seq);

describe('OutboxQueue retries', () => {
  it('a refused message waits without holding the others back, then goes ahead of the newer ones', () => {
    const queue = queueOf(4);
    expect(take(queue, 1)).toEqual([1]);
    queue.refused(1);
    expect(take(queue, 2)).toEqual([2, 3]);
    expect(queue.retry(1)).toBe(true);
    expect(take(queue, 3)).toEqual([1, 4, undefined]);
    for (const seq of [2, 3, 4]) queue.settle(seq);
    expect(queue.watermark).toBe(0); // 1 is still unsettled: the watermark waits for it, nothing else does
    queue.settle(1);
    expect(queue.watermark).toBe(4);
  });

  it('after a reconnect (resendAll) a pending retry is not published twice', () => {
    const queue = queueOf(3);
    take(queue, 3);
    queue.refused(2);
    queue.resendAll();
    expect(queue.retry(2)).toBe(true); // the retry timer fires after the reconnect
    expect(take(queue, 4)).toEqual([2, 1, 3, undefined]);
  });

  it('a retry of a message settled meanwhile (dropped by the bound) is refused', () => {
    const queue = queueOf(2);
    take(queue, 1);
    queue.refused(1);
    queue.settle(1);
    expect(queue.retry(1)).toBe(false);
    expect(take(queue, 2)).toEqual([2, undefined]);
  });
});

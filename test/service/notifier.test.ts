import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryLogger } from '../../src/core/log.js';
import type { NotifyTransport } from '../../src/service/notify-transport.js';
import { ServiceNotifier } from '../../src/service/notifier.js';
import { ProgressTracker, statusLine, type ProgressSample } from '../../src/service/progress.js';

class RecordingTransport implements NotifyTransport {
  readonly description = 'memory';
  readonly sent: string[] = [];
  closed = false;
  send(message: string): boolean {
    this.sent.push(message);
    return true;
  }
  close(): void {
    this.closed = true;
  }
}

/** One pipeline whose counters the test moves by hand. */
function fakePipeline(state = 'running'): ProgressSample {
  return { name: 'door', state, delegate: 'xnnpack', framesIn: 0, framesOut: 0, dropped: 0, finished: 0 };
}

const WATCHDOG_MS = 15_000;

describe('ServiceNotifier', () => {
  let transport: RecordingTransport;
  let door: ProgressSample;
  let clock: number;
  let notifier: ServiceNotifier;
  const logger = memoryLogger();

  beforeEach(() => {
    vi.useFakeTimers();
    transport = new RecordingTransport();
    door = fakePipeline();
    clock = 0;
    notifier = new ServiceNotifier({
      transport,
      sample: () => [{ ...door }],
      watchdogMs: WATCHDOG_MS,
      logger,
      now: () => clock,
      monotonicUsec: () => 123n,
    });
  });

  afterEach(() => {
    notifier.close();
    vi.useRealTimers();
  });

  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  const flow = (frames: number): void => {
    door.framesIn += frames;
    door.framesOut += frames;
    door.finished += frames;
  };

  it('sends READY with STATUS, then WATCHDOG with STATUS while frames flow, then STOPPING and nothing after', () => {
    advance(WATCHDOG_MS); // models still being probed: the event loop is alive, ping
    notifier.ready();
    flow(150);
    advance(WATCHDOG_MS);
    notifier.stopping('SIGTERM, stopping');
    advance(WATCHDOG_MS * 4);
    expect(transport.sent).toEqual([
      'WATCHDOG=1',
      'READY=1\nSTATUS=1/1 pipelines running; delegate xnnpack',
      'WATCHDOG=1\nSTATUS=1/1 pipelines running; 10.0 fps out; delegate xnnpack',
      'STOPPING=1\nSTATUS=stopping: SIGTERM, stopping',
    ]);
    notifier.close();
    expect(transport.closed).toBe(true);
  });

  it('withholds the ping while a pipeline holds frames and puts none out, and resumes when it does', () => {
    notifier.ready();
    flow(10);
    advance(WATCHDOG_MS);
    door.framesIn += 3; // frames enter, none leave: a hung delegate
    advance(WATCHDOG_MS);
    advance(WATCHDOG_MS);
    door.framesOut += 2; // inference came back
    door.finished += 2;
    door.dropped += 1;
    advance(WATCHDOG_MS);
    const pings = transport.sent.map((m) => m.split('\n')[0]);
    expect(pings).toEqual(['READY=1', 'WATCHDOG=1', 'STATUS=stalled: door; 1/1 pipelines running; 0.0 fps out; delegate xnnpack', 'STATUS=stalled: door; 1/1 pipelines running; 0.0 fps out; delegate xnnpack', 'WATCHDOG=1']);
    expect(logger.entries.map((e) => e.message)).toContain('service: no progress in door, watchdog ping withheld');
  });

  it('a hung invoke with a live camera is stalled although its full buffer keeps dropping frames', () => {
    notifier.ready();
    flow(10);
    advance(WATCHDOG_MS);
    // One frame stuck in the invoke; the camera's new frames push older ones out of the buffer (drops, not progress).
    door.framesIn += 300;
    door.dropped += 298;
    advance(WATCHDOG_MS);
    door.framesIn += 300;
    door.dropped += 300;
    advance(WATCHDOG_MS);
    expect(transport.sent.map((m) => m.split('\n')[0])).toEqual(['READY=1', 'WATCHDOG=1', 'STATUS=stalled: door; 1/1 pipelines running; 0.0 fps out; delegate xnnpack', 'STATUS=stalled: door; 1/1 pipelines running; 0.0 fps out; delegate xnnpack']);
  });

  it('keeps pinging while a source is idle with nothing pending (a watched folder with no new file)', () => {
    notifier.ready();
    flow(5);
    advance(WATCHDOG_MS * 3);
    expect(transport.sent.filter((m) => m.startsWith('WATCHDOG=1'))).toHaveLength(3);
  });

  it('does not let a pipeline in backoff stop the pings, and names its error in STATUS', () => {
    door = { ...fakePipeline('backoff'), lastError: 'model file missing' };
    notifier.ready();
    advance(WATCHDOG_MS);
    expect(transport.sent).toEqual([
      'READY=1\nSTATUS=0/1 pipelines running, 1 failed (door: model file missing)',
      'WATCHDOG=1\nSTATUS=0/1 pipelines running, 1 failed (door: model file missing); 0.0 fps out',
    ]);
  });

  it('wraps a reload in RELOADING=1 (with MONOTONIC_USEC) and READY=1, pinging meanwhile', () => {
    notifier.ready();
    notifier.reloading();
    door = fakePipeline(); // new pipelines, counters from zero
    door.framesIn = 4; // frames pending, nothing out yet: not judged while reloading
    advance(WATCHDOG_MS);
    notifier.ready();
    expect(transport.sent).toEqual([
      'READY=1\nSTATUS=1/1 pipelines running; delegate xnnpack',
      'RELOADING=1\nMONOTONIC_USEC=123\nSTATUS=reloading pipelines',
      'WATCHDOG=1',
      'READY=1\nSTATUS=1/1 pipelines running; delegate xnnpack',
    ]);
  });

  it('after a reload, READY=1 carries what the reload did before the status line', () => {
    notifier.ready();
    notifier.reloading();
    notifier.ready('reloaded: 1 changed, 0 added, 0 removed, 1 unchanged; rolled back door (no prediction within\n30 s)');
    expect(transport.sent.at(-1)).toBe(
      'READY=1\nSTATUS=reloaded: 1 changed, 0 added, 0 removed, 1 unchanged; rolled back door (no prediction within 30 s); 1/1 pipelines running; delegate xnnpack',
    );
  });

  it('ignores out-of-order calls (READY twice, RELOADING before READY)', () => {
    notifier.reloading();
    notifier.ready();
    notifier.ready();
    notifier.stopping('x');
    notifier.stopping('y');
    expect(transport.sent.map((m) => m.split('\n')[0])).toEqual(['READY=1', 'STOPPING=1']);
  });

  it('without a watchdog refreshes STATUS only', () => {
    notifier.close();
    transport = new RecordingTransport();
    notifier = new ServiceNotifier({ transport, sample: () => [{ ...door }], statusIntervalMs: 30_000, now: () => clock });
    notifier.ready();
    flow(300);
    advance(30_000);
    expect(transport.sent).toEqual(['READY=1\nSTATUS=1/1 pipelines running; delegate xnnpack', 'STATUS=1/1 pipelines running; 10.0 fps out; delegate xnnpack']);
  });
});

describe('ProgressTracker', () => {
  it('treats a restarted pipeline (counters back to zero) as progress', () => {
    const tracker = new ProgressTracker();
    expect(tracker.check([{ ...fakePipeline(), framesIn: 9, framesOut: 5, finished: 5 }])).toEqual({ progress: true });
    expect(tracker.check([{ ...fakePipeline(), framesIn: 9, framesOut: 5, finished: 5 }])).toEqual({ progress: false, stalled: ['door'] });
    expect(tracker.check([{ ...fakePipeline(), framesIn: 2, framesOut: 0 }])).toEqual({ progress: true });
  });

  it('summarises several pipelines on one line', () => {
    const samples: ProgressSample[] = [
      { ...fakePipeline(), name: 'a', framesOut: 40 },
      { ...fakePipeline(), name: 'b', delegate: 'edgetpu', framesOut: 20 },
      { ...fakePipeline('ended'), name: 'c' },
    ];
    const before = samples.map((s) => ({ ...s, framesOut: 0 }));
    expect(statusLine(samples, before, 2)).toBe('2/3 pipelines running, 1 ended; 30.0 fps out; delegate edgetpu,xnnpack');
  });
});
